import { fileURLToPath } from 'node:url';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { standInAudience, standInIssuer } from '../src/auth/jwt-authorizers.js';
import { launchChromium } from './support/chromium.js';
import { type OfflineRun, startOffline } from './support/offline.js';

// The tasks-app template's page and handlers with a user pool (fixtures/tasks-users) under the real
// `sls offline`: the local issuer stands in for the pool, and a user signs in on the page in
// Debian's Chromium (the authorization code flow with PKCE, through oauth4webapi in the page).
const cwd = fileURLToPath(new URL('./fixtures/tasks-users/', import.meta.url));

let offline: OfflineRun;
let pageUrl: string;
let issuerUrl: string;
let browser: Browser;

beforeAll(async () => {
  offline = await startOffline(cwd, ['--noTimeout']);
  pageUrl = (await offline.waitFor(/Page: (http:\/\/\S+)/))[1] ?? '';
  issuerUrl = (await offline.waitFor(/Sign-in \(local OIDC issuer for users\): (http:\/\/\S+)/))[1] ?? '';
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await offline?.stop();
});

describe('the tasks-app page with a user pool, under sls offline, in Chromium', () => {
  it('signs a user in on the local issuer, sends its token on every API call, and signs out', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`${message.text()} (${message.location().url})`);
    });
    const apiCalls: { url: string; authorization: string | undefined }[] = [];
    page.on('request', (request) => {
      if (/\/(lists|tasks)\//.test(new URL(request.url()).pathname)) {
        apiCalls.push({ url: request.url(), authorization: request.headers().authorization });
      }
    });

    // Before: the control offers sign-in, and the list waits for it.
    await page.goto(`${pageUrl}#list=signed-in-list-1`);
    await expect.poll(() => page.locator('#account').textContent()).toBe('Not signed in Sign in');
    await expect.poll(() => page.locator('#status').textContent()).toBe('Sign in to see your tasks.');
    expect(apiCalls).toEqual([]);

    // The issuer's development sign-in page: a user name, no password.
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.href.startsWith(issuerUrl.replace(/\/users$/, '')));
    await page.locator('input[name=user]').fill('zoe');
    await page.getByRole('button', { name: 'Sign in' }).click();

    // Back on the page, signed in, on the list it showed before (the redirect dropped the hash).
    await page.waitForURL((url) => url.href.startsWith(pageUrl));
    await expect.poll(() => page.locator('#account').textContent()).toBe('Signed in as zoe Sign out');
    expect(new URL(page.url()).search).toBe(''); // code and state are gone from the address
    expect(await page.locator('#list-id').textContent()).toBe('signed-in-list-1');
    await expect.poll(() => page.locator('#status').textContent()).toBe('No tasks yet: add one above.');
    await page.locator('#title').fill('Signed-in task');
    await page.getByRole('button', { name: 'Add' }).click();
    await expect.poll(() => page.locator('#tasks li .title').allTextContents()).toEqual(['Signed-in task']);

    // Every call carried the access token the local issuer signed for zoe, for the pool's client.
    expect(apiCalls.length).toBeGreaterThanOrEqual(2);
    const tokens = new Set(apiCalls.map((call) => call.authorization));
    expect(tokens.size).toBe(1);
    const [authorization] = tokens;
    expect(authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    const discovery = (await (await fetch(`${issuerUrl}/.well-known/openid-configuration`)).json()) as {
      jwks_uri: string;
    };
    const { payload } = await jwtVerify(
      (authorization as string).slice('Bearer '.length),
      createRemoteJWKSet(new URL(discovery.jwks_uri)),
      { issuer: standInIssuer('users') },
    );
    expect(payload.sub).toBe('zoe');
    expect([payload.aud, payload.client_id].flat()).toContain(standInAudience('users'));

    // Signing out forgets the token: back from the issuer's sign-out, the page asks to sign in again,
    // and calls nothing, even for another list. (The page refreshes its counts every second while
    // signed in: a call sent before the click is reported before the browser leaves for the issuer.)
    const toIssuer = page.waitForRequest((request) => request.url().includes('/session/end?'));
    await page.getByRole('button', { name: 'Sign out' }).click();
    await toIssuer;
    const callsSignedOut = apiCalls.length;
    await page.waitForURL((url) => url.href.startsWith(pageUrl) && url.hash === '#list=signed-in-list-1');
    await expect.poll(() => page.locator('#account').textContent()).toBe('Not signed in Sign in');
    await expect.poll(() => page.locator('#status').textContent()).toBe('Sign in to see your tasks.');
    await page.goto(`${pageUrl}#list=signed-out-list-2`); // the same document: a hashchange
    await expect.poll(() => page.locator('#list-id').textContent()).toBe('signed-out-list-2');
    await expect.poll(() => page.locator('#status').textContent()).toBe('Sign in to see your tasks.');
    // A request of the page's own after those: any call the page made before it has been reported.
    await page.evaluate((url) => fetch(url).then(() => undefined), pageUrl);
    expect(apiCalls.slice(callsSignedOut)).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('signs out of the local issuer too: another user then signs in in the same browser and sees only their own tasks', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    const issuerOrigin = new URL(issuerUrl).origin;
    const titles = () => page.locator('#tasks li .title').allTextContents();
    const addTask = async (title: string) => {
      await page.locator('#title').fill(title);
      await page.getByRole('button', { name: 'Add' }).click();
    };
    const signOut = async () => {
      const toIssuer = page.waitForRequest((request) => request.url().startsWith(`${issuerOrigin}/users/session/end?`));
      await page.getByRole('button', { name: 'Sign out' }).click();
      const request = await toIssuer;
      // RP-initiated logout: the ID token as hint, the client, and the page to come back to.
      expect([...new URL(request.url()).searchParams.keys()].sort()).toEqual([
        'client_id',
        'id_token_hint',
        'post_logout_redirect_uri',
      ]);
      // Back on the page, on the same list, signed out.
      await page.waitForURL((url) => url.href.startsWith(pageUrl) && url.hash === '#list=two-users-list');
      await expect.poll(() => page.locator('#account').textContent()).toBe('Not signed in Sign in');
      await expect.poll(() => page.locator('#status').textContent()).toBe('Sign in to see your tasks.');
    };
    /** The page's Sign in must reach the issuer's sign-in page: a live session there would skip it. */
    const signInAs = async (user: string) => {
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((url) => url.href.startsWith(`${issuerOrigin}/users/interaction/`));
      await page.locator('input[name=user]').fill(user);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => page.locator('#account').textContent()).toBe(`Signed in as ${user} Sign out`);
      await expect.poll(() => page.locator('#list-id').textContent()).toBe('two-users-list');
    };

    await page.goto(`${pageUrl}#list=two-users-list`);
    await signInAs('ann');
    await expect.poll(() => page.locator('#status').textContent()).toBe('No tasks yet: add one above.');
    await addTask("Ann's task");
    await expect.poll(titles).toEqual(["Ann's task"]);
    await signOut();

    await signInAs('bob');
    await expect.poll(() => page.locator('#status').textContent()).toBe('No tasks yet: add one above.');
    expect(await titles()).toEqual([]);
    await addTask("Bob's task");
    await expect.poll(titles).toEqual(["Bob's task"]);
    await signOut();

    await signInAs('ann');
    await expect.poll(titles).toEqual(["Ann's task"]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("prints no warning of the local issuer's at start (its in-memory storage is by design)", () => {
    expect(offline.output()).not.toMatch(/oidc-provider WARNING: a quick start development-only in-memory adapter/);
  });

  // Runs after the sign-ins above: oidc-provider prints a NOTICE per token kind whose lifetime it
  // had to default, at its first use (a sign-in).
  it("prints no notice of the local issuer's after sign-ins: every lifetime it uses is set", () => {
    expect(offline.output()).toMatch(/GET \/ 200/); // the sign-ins happened in this run
    expect(offline.output()).not.toMatch(/oidc-provider NOTICE/);
  });
});
