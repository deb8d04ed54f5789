import { describe, expect, it } from 'vitest';
import { offlineBodyEncoding } from '../src/offline-guards.js';
import type { HttpEvent } from '../src/request.js';
import { httpEvent } from './support/events.js';

// Local runs: the front of sls offline verifies the JWT and passes `{ claims, scopes }` in
// x-gantry-authorizer (or `none` on a public route); serverless-offline has put unverified claims in
// the event. The kit makes the event what API Gateway sends, and trusts the header only behind the front.
const run = (event: HttpEvent, env: NodeJS.ProcessEnv) => {
  const before = offlineBodyEncoding(env).before as (request: { event: HttpEvent }) => void;
  before({ event });
  return event;
};
const unverified = () => {
  const event = httpEvent({ claims: { sub: 'decoded-not-verified' } });
  return event;
};
const header = (jwt: unknown) => Buffer.from(JSON.stringify(jwt)).toString('base64url');

describe('the verified authorizer context in local runs', () => {
  it('replaces the event authorizer with what the front verified, and removes the header', () => {
    const event = unverified();
    event.headers['x-gantry-authorizer'] = header({ claims: { sub: 'ann' }, scopes: ['tasks:read'] });
    run(event, { GANTRY_LOCAL_FRONT: 'true' });
    // Exactly `{ jwt }`, as HTTP API sends it (no principalId or integrationLatency).
    expect(event.requestContext.authorizer).toEqual({ jwt: { claims: { sub: 'ann' }, scopes: ['tasks:read'] } });
    expect(event.headers).not.toHaveProperty('x-gantry-authorizer');
  });

  it('removes the authorizer on a public route, as API Gateway sends none', () => {
    const event = unverified();
    event.headers['x-gantry-authorizer'] = 'none';
    run(event, { GANTRY_LOCAL_FRONT: 'true' });
    expect(event.requestContext).not.toHaveProperty('authorizer');
  });

  it('ignores the header without the front (a caller could have sent it)', () => {
    const event = unverified();
    event.headers['x-gantry-authorizer'] = header({ claims: { sub: 'admin' }, scopes: [] });
    run(event, {});
    expect(event.requestContext.authorizer.jwt.claims).toEqual({ sub: 'decoded-not-verified' });
    expect(event.headers).not.toHaveProperty('x-gantry-authorizer');
  });
});
