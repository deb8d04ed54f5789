import { describe, expect, it } from 'vitest';
import { servedRoutes } from '../src/offline/http/served-routes.js';
import type { LocalAuth } from '../src/offline/run/local-auth.js';
import { leaveJwtToFront } from '../src/offline/run/local-auth.js';
import { matchRoute } from '../src/route-match.js';

// The routes the front lets through: every httpApi event of the service's functions as
// serverless-offline serves them, or none (pass everything) when something else answers too.
describe('servedRoutes', () => {
  it("reads both event forms, hand-written functions' included, and ANY written as *", () => {
    const routes = servedRoutes({
      generated: { events: [{ httpApi: { method: 'get', path: '/tasks/{id}' } }] },
      written: { events: [{ httpApi: 'POST /raw' }, { httpApi: { method: '*', path: '/any' } }] },
      noEvents: {},
    });
    expect(routes).toEqual({
      functions: [
        { key: 'generated', routes: [{ method: 'GET', path: '/tasks/{id}' }] },
        {
          key: 'written',
          routes: [
            { method: 'POST', path: '/raw' },
            { method: 'ANY', path: '/any' },
          ],
        },
        { key: 'noEvents', routes: [] },
      ],
    });
    expect(matchRoute(routes ?? { functions: [] }, 'DELETE', '/any')).toBeDefined();
    expect(matchRoute(routes ?? { functions: [] }, 'GET', '/raw')).toBeUndefined();
  });

  it('routes nothing when a catch-all httpApi route or a REST http event also answers', () => {
    expect(servedRoutes({ a: { events: [{ httpApi: 'GET /x' }] }, b: { events: [{ httpApi: '*' }] } })).toBeUndefined();
    expect(servedRoutes({ a: { events: [{ http: { method: 'get', path: 'x' } }] } })).toBeUndefined();
  });

  it("reads each route's authorizer and scopes; JWT ones then leave serverless-offline's events, Lambda ones stay", () => {
    const functions = {
      me: { events: [{ httpApi: { method: 'GET', path: '/me', authorizer: { name: 'users', scopes: ['a', 'b'] } } }] },
      partner: { events: [{ httpApi: { method: 'GET', path: '/partner', authorizer: 'partners' } }] },
      custom: { events: [{ httpApi: { method: 'GET', path: '/custom', authorizer: { name: 'lambdaAuth' } } }] },
    };
    expect(servedRoutes(functions)?.functions.map((f) => f.routes[0]?.authorizer)).toEqual([
      { authorizer: 'users', scopes: ['a', 'b'] },
      { authorizer: 'partners' },
      { authorizer: 'lambdaAuth' },
    ]);
    const auth = { authorizers: [{ name: 'users' }, { name: 'partners' }] } as LocalAuth;
    leaveJwtToFront(functions, auth);
    expect(functions.me.events[0]?.httpApi).toEqual({ method: 'GET', path: '/me' });
    expect(functions.partner.events[0]?.httpApi).toEqual({ method: 'GET', path: '/partner' });
    expect(functions.custom.events[0]?.httpApi.authorizer).toEqual({ name: 'lambdaAuth' });
  });
});
