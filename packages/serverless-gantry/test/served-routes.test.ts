import { describe, expect, it } from 'vitest';
import { servedRoutes } from '../src/offline/http/served-routes.js';
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
        { routes: [{ method: 'GET', path: '/tasks/{id}' }] },
        {
          routes: [
            { method: 'POST', path: '/raw' },
            { method: 'ANY', path: '/any' },
          ],
        },
        { routes: [] },
      ],
    });
    expect(matchRoute(routes ?? { functions: [] }, 'DELETE', '/any')).toBeDefined();
    expect(matchRoute(routes ?? { functions: [] }, 'GET', '/raw')).toBeUndefined();
  });

  it('routes nothing when a catch-all httpApi route or a REST http event also answers', () => {
    expect(servedRoutes({ a: { events: [{ httpApi: 'GET /x' }] }, b: { events: [{ httpApi: '*' }] } })).toBeUndefined();
    expect(servedRoutes({ a: { events: [{ http: { method: 'get', path: 'x' } }] } })).toBeUndefined();
  });
});
