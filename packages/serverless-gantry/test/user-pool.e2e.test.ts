import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { standInAudience, standInIssuer } from '../src/auth/jwt-authorizers.js';
import { type OfflineRun, startOffline } from './support/offline.js';
import { sls } from './support/serverless.js';

// A service with custom.gantry.userPool under plain `sls offline`: the generated authorizer's issuer
// and audience exist only once deployed, so the local issuer stands in with fixed values.
const cwd = fileURLToPath(new URL('./fixtures/members/', import.meta.url));
let offline: OfflineRun;
beforeAll(async () => {
  offline = await startOffline(cwd);
});
afterAll(async () => {
  await offline?.stop();
});

describe('a user pool service under sls offline', () => {
  it('starts, and the routes behind the pool accept a token from sls gantry token only', async () => {
    expect((await fetch(`${offline.url}/me`)).status).toBe(401);
    const printed = await sls(cwd, ['gantry', 'token', '--sub', 'ann']);
    expect(printed.code, printed.stdout + printed.stderr).toBe(0);
    const token = printed.stdout.trim();
    const answer = await fetch(`${offline.url}/me`, { headers: { authorization: `Bearer ${token}` } });
    expect({ status: answer.status, body: await answer.json() }).toEqual({ status: 200, body: { sub: 'ann' } });
  });

  it('points the page at the local issuer, whose discovery names the stand-in issuer', async () => {
    const page = (await (await fetch(`${offline.url}/`)).json()) as Record<string, string>;
    expect(page).toMatchObject({ issuer: standInIssuer('users'), clientId: standInAudience('users') });
    expect(offline.output()).toContain(page.discovery);
    const discovery = await fetch(`${page.discovery}/.well-known/openid-configuration`);
    expect(discovery.status).toBe(200);
    const document = (await discovery.json()) as { issuer: string; code_challenge_methods_supported: string[] };
    expect(document.issuer).toBe(standInIssuer('users'));
    expect(document.code_challenge_methods_supported).toContain('S256');
  });
});
