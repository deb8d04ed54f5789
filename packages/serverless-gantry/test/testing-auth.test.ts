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

// Each field of requestContext.authorizer as HTTP API sends it with a JWT authorizer (payload 2.0),
// each backed by a published capture of a real HTTP API; sources in docs/architecture.md, "The
// authorizer's payload". The testing helper builds the event with sls offline's builder.
describe("HTTP API's JWT authorizer payload, field by field", () => {
  const seen = async (path: string, token: string) => {
    const answer = await service.request('GET', path, { headers: { authorization: `Bearer ${token}` } });
    expect(answer.status).toBe(200);
    return answer.body as {
      authorizer: { jwt: { claims: Record<string, unknown>; scopes: unknown } };
      requestContextKeys: string[];
    };
  };

  it('has `jwt` and nothing else: no principalId, no integrationLatency (Powertools capture; DefinitelyTyped #75548)', async () => {
    const { authorizer } = await seen('/me', await service.token({ authorizer: 'users' }));
    expect(Object.keys(authorizer)).toEqual(['jwt']);
    expect(Object.keys(authorizer.jwt).sort()).toEqual(['claims', 'scopes']);
  });

  it('passes every claim as a string: numbers as digits, booleans as text, lists as [a b], nulls left out', async () => {
    const token = await service.token({
      authorizer: 'users',
      sub: 'ann',
      claims: { auth_time: 1718636404, email_verified: true, groups: ['Admin', 'Merchant'], nickname: null },
    });
    const { claims } = (await seen('/me', token)).authorizer.jwt;
    expect(claims).toMatchObject({
      sub: 'ann',
      auth_time: '1718636404',
      email_verified: 'true',
      groups: '[Admin Merchant]',
      exp: expect.stringMatching(/^\d+$/),
      iat: expect.stringMatching(/^\d+$/),
    });
    expect(claims).not.toHaveProperty('nickname');
    for (const value of Object.values(claims)) expect(typeof value).toBe('string');
  });

  it('gives a route without scopes `scopes: null`, whether or not the token has a scope claim', async () => {
    const without = await seen('/me', await service.token({ authorizer: 'users' }));
    expect(without.authorizer.jwt.scopes).toBeNull();
    const withScope = await seen('/me', await service.token({ authorizer: 'users', scope: 'profile tasks:read' }));
    expect(withScope.authorizer.jwt.scopes).toBeNull();
    expect(withScope.authorizer.jwt.claims.scope).toBe('profile tasks:read'); // the claim itself stays
  });

  it("gives a route with scopes the token's whole scope list, not only the route's", async () => {
    const token = await service.token({ authorizer: 'users', scope: 'profile tasks:admin email' });
    expect((await seen('/tasks', token)).authorizer.jwt.scopes).toEqual(['profile', 'tasks:admin', 'email']);
  });

  it('adds nothing else to requestContext for the authorizer (`authentication` is for mutual TLS only)', async () => {
    const { requestContextKeys } = await seen('/me', await service.token({ authorizer: 'users' }));
    expect(requestContextKeys).not.toContain('authentication');
    expect(requestContextKeys).toContain('authorizer');
  });
});
