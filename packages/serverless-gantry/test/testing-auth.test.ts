import { fileURLToPath } from 'node:url';
// The built package, as a service imports it (its function threads run the built worker).
import { type LocalService, startLocalService } from 'serverless-gantry/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// serverless-gantry/testing checks the routes' JWT authorizers with the same code as the front of
// sls offline (jwtCheck), and gives a service's tests tokens signed with the same local keys.
const servicePath = fileURLToPath(new URL('./fixtures/auth/', import.meta.url));
let service: LocalService;
beforeAll(async () => {
  service = await startLocalService({ servicePath });
});
afterAll(() => service?.stop());

describe('startLocalService: routes with a JWT authorizer', () => {
  it("answers API Gateway's 401 without a token, and 401 for a token another authorizer accepts", async () => {
    const none = await service.request('GET', '/me');
    expect(none).toMatchObject({ status: 401, body: { message: 'Unauthorized' } });
    expect(none.headers).toMatchObject({ 'www-authenticate': 'Bearer', 'apigw-requestid': expect.any(String) });
    const partners = await service.token({ authorizer: 'partners' });
    expect(await service.request('GET', '/me', { headers: { authorization: `Bearer ${partners}` } })).toMatchObject({
      status: 401,
      headers: { 'www-authenticate': expect.stringContaining('does not have a valid issuer') },
    });
  });

  it("answers 403 when the token has none of the route's scopes, and lets one of them through", async () => {
    const other = await service.token({ authorizer: 'users', scope: 'profile' });
    expect(await service.request('GET', '/tasks', { headers: { authorization: `Bearer ${other}` } })).toMatchObject({
      status: 403,
      body: { message: 'Forbidden' },
    });
    const admin = await service.token({ authorizer: 'users', sub: 'ann', scope: 'tasks:admin' });
    const allowed = await service.request('GET', '/tasks', { headers: { authorization: `Bearer ${admin}` } });
    expect(allowed.status).toBe(200);
    expect(allowed.body).toMatchObject({
      claims: { sub: 'ann', scope: 'tasks:admin', aud: 'web-client' },
      authorizer: { jwt: { scopes: ['tasks:admin'], claims: { sub: 'ann' } } },
    });
  });

  it('reads the token from the identity source the authorizer declares (X-Partner-Token)', async () => {
    const token = await service.token({ authorizer: 'partners', sub: 'acme' });
    const answer = await service.request('GET', '/partner', { headers: { 'X-Partner-Token': token } });
    expect(answer).toMatchObject({ status: 200, body: { claims: { sub: 'acme', aud: 'partners-api' } } });
  });

  it('answers 401 for an expired token', async () => {
    const expired = await service.token({ authorizer: 'users', expiresIn: -1 });
    expect(await service.request('GET', '/me', { headers: { authorization: expired } })).toMatchObject({
      status: 401,
      headers: { 'www-authenticate': expect.stringContaining('the token has expired') },
    });
  });

  it('keeps a public route public: no authorizer in its event', async () => {
    const token = await service.token({ authorizer: 'users' });
    const answer = await service.request('GET', '/public', { headers: { authorization: `Bearer ${token}` } });
    expect(answer).toMatchObject({ status: 200, body: { claims: {}, authorizer: null } });
  });

  it('token() asks for the authorizer when the service declares two', async () => {
    await expect(service.token()).rejects.toThrow(/name the authorizer.*users, partners/);
  });
});
