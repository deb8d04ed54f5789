import { fileURLToPath } from 'node:url';
import { type LocalService, startLocalService } from 'serverless-gantry/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { standInAudience, standInIssuer } from '../src/auth/jwt-authorizers.js';

// A service with custom.gantry.userPool: its generated `users` authorizer (issuer and audience are
// CloudFormation values, known only at deploy) runs locally against fixed stand-ins.
const servicePath = fileURLToPath(new URL('./fixtures/members/', import.meta.url));
let service: LocalService;
beforeAll(async () => {
  service = await startLocalService({ servicePath });
});
afterAll(() => service?.stop());

describe("startLocalService: the user pool's authorizer", () => {
  it('refuses a request without a token, and passes a stand-in token with its sub to the handler', async () => {
    expect(await service.request('GET', '/me')).toMatchObject({ status: 401, body: { message: 'Unauthorized' } });
    const token = await service.token({ sub: 'ann' });
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<
      string,
      unknown
    >;
    expect(claims).toMatchObject({ iss: standInIssuer('users'), aud: standInAudience('users') });
    expect(await service.request('GET', '/me', { headers: { authorization: `Bearer ${token}` } })).toMatchObject({
      status: 200,
      body: { sub: 'ann' },
    });
  });

  it("enforces the route's scope", async () => {
    const body = { name: 'Ann' };
    const without = await service.token({ sub: 'ann' });
    expect(
      await service.request('PUT', '/me', { headers: { authorization: `Bearer ${without}` }, body }),
    ).toMatchObject({ status: 403, body: { message: 'Forbidden' } });
  });

  it("gives the page's function the stand-in issuer and client id, not CloudFormation values", async () => {
    const page = await service.request('GET', '/');
    expect(page).toMatchObject({
      status: 200,
      body: { issuer: standInIssuer('users'), clientId: standInAudience('users') },
    });
  });
});
