import { mkdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, PutCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketNameIn, deployedBucketName } from '../src/generate/names.js';
import { launchChromium } from './support/chromium.js';
import { writeConcurrently } from './support/load.js';
import { type OfflineRun, startOffline } from './support/offline.js';
import { accessibilityViolations, horizontalOverflow } from './support/page-checks.js';
import { signIn } from './support/page-sign-in.js';
import { sls } from './support/serverless.js';

// The flagship as README command 1 runs it: the root service (the tasks-app template) under the
// real `sls offline`, its page in Debian's Chromium driven by playwright-core, and its tasks read
// back from the embedded DynamoDB with the AWS SDK. Every task belongs to a signed-in user: pages sign
// in on the local issuer that stands in for the service's user pool; API calls carry tokens from
// `sls gantry token`.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const TABLE = 'gantry-example-dev-tasks';

let offline: OfflineRun;
let pageUrl: string;
let issuerOrigin: string;
let db: DynamoDBDocumentClient;
let browser: Browser;
/** `authorization` headers for users of the API, from `sls gantry token`. */
const bearer: Record<string, string> = {};

beforeAll(async () => {
  // The tokens, sls offline and Chromium side by side: each is mostly a process starting. (Two
  // `sls gantry token` at once share the service's local keys: whichever creates them first, the
  // other reads them, and sls offline reads the same.) Each is kept as it arrives, so afterAll
  // stops whatever started even when another failed.
  const tokens = ['ann', 'bob'].map(async (user) => {
    const printed = await sls(root, ['gantry', 'token', '--sub', user]);
    expect(printed.code, printed.stdout + printed.stderr).toBe(0);
    bearer[user] = `Bearer ${printed.stdout.trim()}`;
  });
  // `--noTimeout`: on a machine shared with other work, a request can wait longer than the function's
  // timeout for a CPU, which Lambda (a CPU per environment) never makes it do. What these tests check is
  // that nothing is lost; timeouts are tested in faults.e2e.
  const started = startOffline(root, ['--noTimeout']).then((run) => {
    offline = run;
  });
  const launched = launchChromium().then((launchedBrowser) => {
    browser = launchedBrowser;
  });
  const settled = await Promise.allSettled([...tokens, started, launched]);
  for (const result of settled) if (result.status === 'rejected') throw result.reason;
  pageUrl = (await offline.waitFor(/Page: (http:\/\/\S+)/))[1] ?? '';
  issuerOrigin = new URL((await offline.waitFor(/Sign-in \(local OIDC issuer for users\): (http:\/\/\S+)/))[1] ?? '')
    .origin;
  const endpoint = /DynamoDB \(local, IAM enforced\): (http:\/\/127\.0\.0\.1:\d+)/.exec(offline.output())?.[1] ?? '';
  db = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'x' } }),
  );
});

afterAll(async () => {
  await browser?.close();
  db?.destroy();
  await offline?.stop();
});

/** Every task of a user's list, read straight from DynamoDB through the byList index. */
async function stored(listId: string, user = 'ann') {
  const items: Record<string, unknown>[] = [];
  const pages = paginateQuery(
    { client: db },
    {
      TableName: TABLE,
      IndexName: 'byList',
      KeyConditionExpression: 'ownerList = :l',
      ExpressionAttributeValues: { ':l': `${user}#${listId}` },
    },
  );
  for await (const page of pages) items.push(...(page.Items ?? []));
  return items;
}

/**
 * A fresh browser (its own context: no session) on the page, signed in as `user`. `clock`: the page's
 * clock is Playwright's, which runs as time does until `closeUndoWindow` moves it on.
 */
async function openPage(
  user = 'ann',
  options: { clock?: boolean } = {},
): Promise<{ page: Page; problems: string[]; listId: string }> {
  const page = await browser.newPage();
  if (options.clock) await page.clock.install();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`${message.text()} (${message.location().url})`);
  });
  await page.goto(pageUrl);
  await signIn(page, user);
  const listId = (await page.locator('#list-id').textContent()) ?? '';
  return { page, problems, listId };
}

const titles = (page: Page) => page.locator('#tasks li .title').allTextContents();

/**
 * Moves the page's clock past the Undo window (5 s, UNDO_WINDOW_MS in templates/tasks-app/src/web/undo.ts),
 * as if the user waited: its timer fires now, so the deletion is sent without the test waiting 5 s.
 */
const closeUndoWindow = (page: Page) => page.clock.fastForward('00:10');

describe('the tasks-app page under sls offline, in Chromium', () => {
  it('is announced at start with its local URL, last, after the table', () => {
    expect(pageUrl).toBe(`${offline.url}/`);
    expect(offline.output().indexOf('Page: ')).toBeGreaterThan(offline.output().indexOf('METHOD '));
  });

  it('serves its OpenAPI 3.1 document at the announced local path, with the local URL as its server', async () => {
    const announced = (await offline.waitFor(/OpenAPI: (http:\/\/\S+)/))[1];
    expect(announced).toBe(`${offline.url}/~gantry/openapi.json`);
    const response = await fetch(announced ?? '');
    expect(response.status).toBe(200);
    const document = (await response.json()) as { servers: unknown; paths: Record<string, unknown> };
    expect((await new Validator().validate(structuredClone(document))).errors).toBeUndefined();
    expect(document.servers).toEqual([{ url: offline.url, description: 'sls offline' }]);
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/', '/lists/{listId}/tasks', '/tasks/{id}']));
  });

  it('creates, edits, completes, lists and deletes tasks; DynamoDB holds what the page shows', async () => {
    const { page, problems, listId } = await openPage('ann', { clock: true });
    expect(listId).toMatch(/^[a-f0-9]{32}$/);
    expect(page.url()).toBe(`${pageUrl}#list=${listId}`);

    for (const title of ['Buy milk', 'Call the plumber', 'Water the plants']) {
      await page.getByLabel('Task title').fill(title);
      await page.getByRole('button', { name: 'Add' }).click();
      await expect.poll(() => titles(page)).toContain(title);
    }

    // Edit the first task's title.
    const milk = page.locator('#tasks li', { hasText: 'Buy milk' });
    await milk.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('New title').fill('Buy oat milk');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => titles(page)).toContain('Buy oat milk');

    // Complete the second, delete the third.
    await page.getByLabel('Done: Call the plumber').check();
    await expect.poll(() => page.locator('#tasks li.done .title').allTextContents()).toEqual(['Call the plumber']);
    const deleted = page.waitForResponse((response) => response.request().method() === 'DELETE');
    await page.locator('#tasks li', { hasText: 'Water the plants' }).getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => titles(page)).toEqual(['Buy oat milk', 'Call the plumber']);
    await closeUndoWindow(page);
    expect((await deleted).status()).toBe(204); // once Undo is no longer offered

    // The list comes back from the API on a fresh load of the same URL.
    await page.reload();
    await expect.poll(() => titles(page)).toEqual(['Buy oat milk', 'Call the plumber']);

    const items = await stored(listId);
    expect(items.map((t) => [t.title, t.done, t.version]).sort()).toEqual([
      ['Buy oat milk', false, 2],
      ['Call the plumber', true, 2],
    ]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("shows the API's validation errors next to the field they are about and keeps what was typed", async () => {
    const { page, listId } = await openPage();
    const field = page.getByLabel('Task title');
    const fieldProblem = async () => page.locator(`#${await field.getAttribute('aria-describedby')}`).textContent();
    await field.fill('   ');
    await page.getByRole('button', { name: 'Add' }).click();
    await expect.poll(fieldProblem).toBe('Give the task a title.');
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    await field.fill('x'.repeat(201));
    await page.getByRole('button', { name: 'Add' }).click();
    await expect.poll(fieldProblem).toBe('Keep the title under 200 characters.');
    expect(await field.inputValue()).toHaveLength(201);
    expect(await page.locator('#problem').textContent()).toBe('');
    expect(await stored(listId)).toEqual([]);

    // The same next to the title being edited; a good title clears it.
    await field.fill('Fine title');
    await page.getByRole('button', { name: 'Add' }).click();
    await expect.poll(() => titles(page)).toEqual(['Fine title']);
    expect(await field.getAttribute('aria-invalid')).toBe('false');
    await page.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByLabel('New title');
    await edit.fill(' ');
    await edit.press('Enter');
    await expect
      .poll(async () => page.locator(`#${await edit.getAttribute('aria-describedby')}`).textContent())
      .toBe('Give the task a title.');
    await page.close();
  });

  it('saves an edit with Enter and cancels one with Escape', async () => {
    const { page, listId, problems } = await openPage();
    await page.getByLabel('Task title').fill('Draft');
    await page.getByLabel('Task title').press('Enter');
    await expect.poll(() => titles(page)).toEqual(['Draft']);

    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('New title').fill('Final');
    await page.getByLabel('New title').press('Enter');
    await expect.poll(() => titles(page)).toEqual(['Final']);
    expect((await stored(listId))[0]).toMatchObject({ title: 'Final', version: 2 });

    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('New title').fill('Thrown away');
    await page.getByLabel('New title').press('Escape');
    await expect.poll(() => titles(page)).toEqual(['Final']);
    expect(await page.getByLabel('New title').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Edit' }).isVisible()).toBe(true);
    expect((await stored(listId))[0]).toMatchObject({ title: 'Final', version: 2 });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows a loading state, then an empty list as such', async () => {
    const page = await browser.newPage();
    // Hold the page's first list request until the loading state has been seen (the request then
    // goes to the API unchanged).
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route(/\/lists\/[^/]+\/tasks\?/, async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(pageUrl);
    await signIn(page, 'ann');
    const status = page.getByRole('status');
    await expect.poll(() => status.textContent()).toBe('Loading…');
    expect(await page.locator('#tasks').getAttribute('aria-busy')).toBe('true');
    release();
    await expect.poll(() => status.textContent()).toBe('No tasks yet: add one above.');
    expect(await page.locator('#tasks').getAttribute('aria-busy')).toBe('false');
    await page.getByLabel('Task title').fill('First');
    await page.getByRole('button', { name: 'Add' }).click();
    await expect.poll(() => titles(page)).toEqual(['First']);
    expect(await status.textContent()).toBe('');
    await page.close();
  });

  it('follows the list in the URL when it changes (editing the address, going back)', async () => {
    const { page, listId, problems } = await openPage();
    await page.getByLabel('Task title').fill('On the first list');
    await page.getByRole('button', { name: 'Add' }).click();
    await expect.poll(() => titles(page)).toEqual(['On the first list']);

    const other = `other${Date.now()}`;
    // The same document all along (a marker survives): the page reacts to hashchange, no reload.
    await page.evaluate('window.sameDocument = true');
    await page.goto(`${pageUrl}#list=${other}`);
    await expect.poll(() => page.locator('#list-id').textContent()).toBe(other);
    await expect.poll(() => page.getByRole('status').textContent()).toBe('No tasks yet: add one above.');
    expect(await titles(page)).toEqual([]);
    await page.getByLabel('Task title').fill('On the other list');
    await page.getByRole('button', { name: 'Add' }).click();
    await expect.poll(() => titles(page)).toEqual(['On the other list']);

    await page.goBack();
    await expect.poll(() => page.locator('#list-id').textContent()).toBe(listId);
    await expect.poll(() => titles(page)).toEqual(['On the first list']);
    expect((await stored(other)).map((t) => t.title)).toEqual(['On the other list']);
    expect(await page.evaluate('window.sameDocument')).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('tells the user when a task changed elsewhere (409) in words, and shows it as it is now', async () => {
    const { page, listId } = await openPage();
    await page.getByLabel('Task title').fill('Shared task');
    await page.getByRole('button', { name: 'Add' }).click();
    await expect.poll(() => titles(page)).toEqual(['Shared task']);
    // Someone else renames it through the API.
    const [task] = await stored(listId);
    const renamed = await fetch(`${offline.url}/tasks/${task?.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', authorization: bearer.ann ?? '' },
      body: JSON.stringify({ title: 'Renamed elsewhere', version: 1 }),
    });
    expect(renamed.status).toBe(200);
    // This page still has version 1.
    await page.getByLabel('Done: Shared task').check();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Someone changed this task');
    await expect.poll(() => titles(page)).toEqual(['Renamed elsewhere']);
    // The list is already fresh: no "reload", and no id the user never saw.
    const message = (await page.getByRole('alert').textContent()) ?? '';
    expect(message).not.toMatch(/reload/i);
    expect(message).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    expect((await stored(listId))[0]).toMatchObject({ title: 'Renamed elsewhere', done: false, version: 2 });
    await page.close();
  });

  it('pages through a long list with Load more; a task added meanwhile is shown, once, last', async () => {
    const { page, listId } = await openPage();
    for (let i = 1; i <= 23; i++) {
      const response = await fetch(`${offline.url}/lists/${listId}/tasks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: bearer.ann ?? '' },
        body: JSON.stringify({ title: `Task ${String(i).padStart(2, '0')}` }),
      });
      expect(response.status).toBe(201);
    }
    await page.reload();
    await expect.poll(() => titles(page)).toHaveLength(20);
    await page.getByLabel('Task title').fill('Added now');
    await page.getByRole('button', { name: 'Add' }).click();
    await expect.poll(() => titles(page)).toHaveLength(21);
    expect((await titles(page)).at(-1)).toBe('Added now');
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => titles(page)).toHaveLength(24);
    expect(await titles(page)).toEqual([
      ...Array.from({ length: 23 }, (_, i) => `Task ${String(i + 1).padStart(2, '0')}`),
      'Added now',
    ]);
    expect(await page.getByRole('button', { name: 'Load more' }).isHidden()).toBe(true);
    await page.close();
  });
});

describe('the tasks-app page as people see it, in Chromium', () => {
  // The README's screenshots are written again only when asked (GANTRY_UPDATE_SCREENSHOTS=1): a test
  // run leaves the repository as it found it (PNG bytes differ from run to run).
  const screenshots = process.env.GANTRY_UPDATE_SCREENSHOTS
    ? fileURLToPath(new URL('../../../templates/tasks-app/docs/', import.meta.url))
    : undefined;
  const longWord = `Pneumonoultramicroscopicsilicovolcanoconiosis${'x'.repeat(60)}`;

  it('at 320, 375 and 1280 px, light and dark: no sideways scroll with a long unbroken title, every control on screen, Add level with its input, 0 axe-core violations (WCAG 2.1 AA)', async () => {
    const { page, problems } = await openPage();
    // A list id of its own, so the screenshots show the same page every run.
    await page.goto(`${pageUrl}#list=screenshots-of-the-page`);
    await expect.poll(() => page.getByRole('status').textContent()).toBe('No tasks yet: add one above.');
    for (const title of [
      'Buy oat milk',
      `Read ${longWord}`,
      'Call the plumber about the kitchen tap',
      'Water the plants',
    ]) {
      await page.getByLabel('Task title').fill(title);
      await page.getByRole('button', { name: 'Add' }).click();
      await expect.poll(() => titles(page)).toContain(title);
    }
    await page.getByLabel('Done: Call the plumber about the kitchen tap').check();
    await expect.poll(() => page.locator('#tasks li.done').count()).toBe(1);
    await expect.poll(() => page.locator('#counts').textContent()).toBe('3 open · 1 done');
    if (screenshots) await mkdir(screenshots, { recursive: true });

    const seen: Record<string, unknown> = {};
    const clean: Record<string, unknown> = {};
    for (const width of [320, 375, 1280]) {
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.setViewportSize({ width, height: 800 });
        await page.emulateMedia({ colorScheme });
        const input = await page.getByLabel('Task title').boundingBox();
        const add = await page.getByRole('button', { name: 'Add' }).boundingBox();
        const variant = `${width} px, ${colorScheme}`;
        seen[variant] = {
          overflow: await horizontalOverflow(page),
          addLevelWithInput: { top: add?.y === input?.y, height: add?.height === input?.height },
          violations: await accessibilityViolations(page),
        };
        clean[variant] = {
          overflow: { scrollsSideways: false, controlsOffScreen: [] },
          addLevelWithInput: { top: true, height: true },
          violations: [],
        };
        if (screenshots && width !== 320) {
          await page.screenshot({ path: `${screenshots}page-${width}-${colorScheme}.png`, fullPage: true });
        }
      }
    }
    expect(seen).toEqual(clean);

    // Editing the long title at the narrowest width: its field and buttons stay on screen too.
    await page.setViewportSize({ width: 320, height: 800 });
    await page.locator('#tasks li', { hasText: 'Pneumono' }).getByRole('button', { name: 'Edit' }).click();
    expect(await horizontalOverflow(page)).toEqual({ scrollsSideways: false, controlsOffScreen: [] });
    await page.getByLabel('New title').press('Escape');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows a problem and the Undo notice with 0 axe-core violations, light and dark', async () => {
    const { page } = await openPage();
    await page.getByLabel('Task title').fill('Short-lived');
    await page.getByRole('button', { name: 'Add' }).click();
    await expect.poll(() => titles(page)).toEqual(['Short-lived']);
    await page.getByLabel('Task title').fill(' ');
    await page.getByRole('button', { name: 'Add' }).click();
    await expect.poll(() => page.getByLabel('Task title').getAttribute('aria-invalid')).toBe('true');
    await page.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Undo' }).count()).toBe(1);
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      expect(await accessibilityViolations(page), colorScheme).toEqual([]);
    }
    await page.close();
  });

  it('rings the control the keyboard is on', async () => {
    const { page } = await openPage();
    await page.getByLabel('Task title').focus();
    await page.keyboard.press('Tab');
    const focused = `(() => {
      const style = getComputedStyle(document.activeElement);
      return [document.activeElement.textContent, style.outlineStyle, style.outlineWidth];
    })()`;
    expect(await page.evaluate(focused)).toEqual(['Add', 'solid', '3px']);
    await page.close();
  });

  it('takes a validation message away as soon as the title typed is valid, and not before', async () => {
    const { page, listId } = await openPage();
    const field = page.getByLabel('Task title');
    const fieldProblem = async () => page.locator(`#${await field.getAttribute('aria-describedby')}`).textContent();
    await field.fill(' ');
    await page.getByRole('button', { name: 'Add' }).click();
    await expect.poll(fieldProblem).toBe('Give the task a title.');

    await field.pressSequentially('  '); // still only spaces: still a problem
    expect(await fieldProblem()).toBe('Give the task a title.');
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    await field.pressSequentially('B'); // a title now: the message goes, before anything is sent
    expect(await fieldProblem()).toBe('');
    expect(await field.getAttribute('aria-invalid')).toBe('false');
    expect(await stored(listId)).toEqual([]);

    // The same for the title being edited.
    await field.fill('Fine title');
    await field.press('Enter');
    await expect.poll(() => titles(page)).toEqual(['Fine title']);
    await page.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByLabel('New title');
    const editProblem = async () => page.locator(`#${await edit.getAttribute('aria-describedby')}`).textContent();
    await edit.fill(' ');
    await edit.press('Enter');
    await expect.poll(editProblem).toBe('Give the task a title.');
    await edit.fill('x'.repeat(201));
    expect(await editProblem()).toBe('Give the task a title.'); // too long is not valid either
    await edit.fill('Better title');
    expect(await editProblem()).toBe('');
    await page.close();
  });

  it('deletes with Undo: the task goes at once, Undo puts it back where it was and nothing is deleted; without Undo the DELETE follows', async () => {
    const { page, listId, problems } = await openPage('ann', { clock: true });
    for (const title of ['First', 'Second', 'Third']) {
      await page.getByLabel('Task title').fill(title);
      await page.getByRole('button', { name: 'Add' }).click();
      await expect.poll(() => titles(page)).toContain(title);
    }
    const deletes: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'DELETE') deletes.push(request.url());
    });
    const second = page.locator('#tasks li', { hasText: 'Second' });

    await second.getByRole('button', { name: 'Delete' }).click();
    expect(await titles(page)).toEqual(['First', 'Third']);
    expect(await page.locator('#undo').textContent()).toBe('Deleted “Second”.Undo');
    // The Delete button went with the task: the keyboard carries on from Undo.
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Undo');
    await page.getByRole('button', { name: 'Undo' }).click();
    expect(await titles(page)).toEqual(['First', 'Second', 'Third']);
    expect(await page.locator('#undo').textContent()).toBe('');
    expect(deletes).toEqual([]);
    expect((await stored(listId)).map((t) => t.title).sort()).toEqual(['First', 'Second', 'Third']);

    const deleted = page.waitForResponse((response) => response.request().method() === 'DELETE');
    await second.getByRole('button', { name: 'Delete' }).click();
    await closeUndoWindow(page);
    expect((await deleted).status()).toBe(204);
    expect(deletes).toHaveLength(1);
    await expect.poll(() => page.locator('#undo').textContent()).toBe('');
    expect((await stored(listId)).map((t) => t.title).sort()).toEqual(['First', 'Third']);
    await page.reload();
    await expect.poll(() => titles(page)).toEqual(['First', 'Third']);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('sends a deletion still waiting for its Undo when the page is left', async () => {
    const { page, listId } = await openPage();
    await page.getByLabel('Task title').fill('Gone for good');
    await page.getByRole('button', { name: 'Add' }).click();
    await expect.poll(() => titles(page)).toEqual(['Gone for good']);
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.close({ runBeforeUnload: true });
    await expect.poll(async () => (await stored(listId)).map((t) => t.title)).toEqual([]);
  });

  it('names an icon on the page and on the local sign-in page: Chromium asks neither origin for /favicon.ico', async () => {
    const page = await browser.newPage();
    // Chromium fetches a page's icon outside what playwright reports as requests. Without a named icon
    // it asks for /favicon.ico (unless the page's Content-Security-Policy rules that out, as the tasks
    // page's does), and a 404 shows as a console error located at that URL.
    const asked: string[] = [];
    page.on('console', (message) => {
      const at = message.location().url;
      if (at.endsWith('/favicon.ico')) asked.push(at);
      else if (message.text().includes('favicon.ico')) asked.push(message.text());
    });
    // The kind of icon a page names, once it has loaded as an image (decode() fails on a broken one).
    // In the page, as text: see support/page-checks.ts.
    const icon = () =>
      page.evaluate(`(async () => {
        const href = document.querySelector('link[rel=icon]')?.href ?? '';
        const image = new Image();
        image.src = href;
        await image.decode();
        return href.slice(0, href.indexOf(','));
      })()`);
    const svgIcon = 'data:image/svg+xml';

    const apiFrontAsked = () => offline.output().match(/GET \/favicon\.ico 404/g)?.length ?? 0;
    const askedBefore = apiFrontAsked();

    await page.goto(pageUrl);
    expect(await icon()).toBe(svgIcon);
    // Chromium asks for an icon within moments of a page's load: the sign-in round trip (discovery,
    // the issuer's page, the token exchange, the list) gives it the time to ask, were it going to.
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.origin === issuerOrigin);
    expect(await icon()).toBe(svgIcon);
    await page.locator('input[name=user]').fill('ann');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('#account').textContent()).toBe('Signed in as ann Sign out');
    await expect.poll(() => page.locator('#status').textContent()).toBe('No tasks yet: add one above.');
    expect(asked).toEqual([]);
    expect(apiFrontAsked()).toBe(askedBefore);

    // Then a page on each origin that names no icon: Chromium asks for /favicon.ico there, and the
    // test sees it (a test that could not see it would pass for nothing).
    // (One at a time: leaving a page drops its console messages still on their way.)
    await page.goto(`${issuerOrigin}/no-such-page`);
    await expect.poll(() => asked).toEqual([`${issuerOrigin}/favicon.ico`]);
    await page.goto(`${pageUrl}no-such-route`);
    await expect.poll(() => asked).toEqual([`${issuerOrigin}/favicon.ico`, `${offline.url}/favicon.ico`]);
    expect(apiFrontAsked()).toBe(askedBefore + 1);
    await page.close();
  });

  it('the local sign-in page: 0 axe-core violations (WCAG 2.1 AA), light and dark', async () => {
    const page = await browser.newPage();
    await page.goto(pageUrl);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.origin === issuerOrigin);
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      expect(await accessibilityViolations(page), colorScheme).toEqual([]);
    }
    await page.close();
  });
});

describe('between requests, under sls offline', () => {
  const counts = (page: Page) => page.locator('#counts').textContent();
  // Bounds on waiting for background work, not timings: on a busy machine events take longer.
  const background = { timeout: 30_000 };

  it('lists consumers and schedules with the routes at start', () => {
    const table = offline.output();
    expect(table).toMatch(/CHANGES\s+tasks \(batch 100\)\s+list-work-count\s+counts \(update\)/);
    expect(table).toMatch(/QUEUE\s+clear-done \(batch 10\)\s+list-work-clear\s+tasks \(readwrite\)/);
    expect(table).toMatch(/SCHEDULE\s+cron\(0 3 \* \* \? \*\)\s+list-work-purge/);
    expect(table).toMatch(/Schedules \(local clock\): list-work-purge at \d{4}-\d\d-\d\dT03:00:00\.000Z/);
  });

  it("shows a list's counts as they change (a table-change consumer keeps them); Clear completed goes through a queue", async () => {
    const { page, problems, listId } = await openPage();
    for (const title of ['One', 'Two', 'Three']) {
      await page.getByLabel('Task title').fill(title);
      await page.getByRole('button', { name: 'Add' }).click();
      await expect.poll(() => titles(page), background).toContain(title);
    }
    await expect.poll(() => counts(page), background).toBe('3 open · 0 done');
    await page.getByLabel('Done: One').check();
    await page.getByLabel('Done: Two').check();
    await expect.poll(() => counts(page), background).toBe('1 open · 2 done');

    await page.getByRole('button', { name: 'Clear completed' }).click();
    await expect.poll(() => titles(page)).toEqual(['Three']);
    // The queue's consumer deletes them, then the counts follow the deletions.
    await expect.poll(async () => (await stored(listId)).map((t) => t.title), background).toEqual(['Three']);
    await expect.poll(() => counts(page), background).toBe('1 open · 0 done');
    await page.reload();
    await expect.poll(() => titles(page)).toEqual(['Three']);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('`sls gantry invoke` runs the nightly purge now, in the running sls offline', async () => {
    const listId = `purge-${Date.now()}`;
    const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
    const task = (id: string, done: boolean) => ({
      owner: 'ann',
      ownerList: `ann#${listId}`,
      id,
      listId,
      title: id,
      done,
      version: 1,
      createdAt: old,
      updatedAt: old,
    });
    for (const item of [task('done-long-ago', true), task('open-long-ago', false)]) {
      await db.send(new PutCommand({ TableName: TABLE, Item: item }));
    }
    const invoked = await sls(root, [
      'gantry',
      'invoke',
      '--function',
      'list-work-purge',
      '--lambdaPort',
      String(offline.lambdaPort),
    ]);
    expect(invoked.code, invoked.stdout + invoked.stderr).toBe(0);
    expect(JSON.parse(invoked.stdout)).toMatchObject({ removed: expect.any(Number) });
    expect((await stored(listId)).map((t) => t.id)).toEqual(['open-long-ago']);
  });
});

describe('attachments: a file uploaded from the page straight to the local S3, downloaded by its owner only', () => {
  it('attaches with progress shown, records it, downloads it under its name, refuses what it must, removes it with Undo', async () => {
    const { page, problems, listId } = await openPage('ann', { clock: true });
    await page.getByLabel('Task title').fill('Send the report');
    await page.getByRole('button', { name: 'Add' }).click();
    const row = page.locator('#tasks li', { hasText: 'Send the report' });
    await expect.poll(() => row.count()).toBe(1);
    const task = (await stored(listId)).find((t) => t.title === 'Send the report') as { id: string };

    // Slow uploads down, so the progress is seen as a user on a slow line sees it.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    const throttle = (uploadThroughput: number) =>
      cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput,
      });
    await throttle(600_000);
    const name = `rapport-été-${'x'.repeat(80)}.txt`; // a long unbroken name must wrap, not scroll
    const bytes = Buffer.alloc(3_000_000, 'report ');
    const chooser = page.waitForEvent('filechooser');
    await row.getByRole('button', { name: 'Attach a file to Send the report' }).press('Enter');
    await (await chooser).setFiles({ name, mimeType: 'text/plain', buffer: bytes });
    const bar = row.getByRole('progressbar', { name: `Uploading ${name}` });
    await expect.poll(() => bar.isVisible()).toBe(true);
    await expect.poll(async () => Number(await bar.getAttribute('value'))).toBeGreaterThan(0);
    expect(await accessibilityViolations(page)).toEqual([]);
    await throttle(-1);

    // The object-created function records the file on the task; the page then shows it as a link.
    const link = row.getByRole('link', { name });
    await expect.poll(() => link.isVisible(), { timeout: 60_000 }).toBe(true);
    expect(await row.textContent()).toContain('3 MB');
    expect(await row.getByRole('button', { name: 'Replace the file of Send the report' }).count()).toBe(1);
    const recorded = (await stored(listId)).find((t) => t.id === task.id) as { attachment?: { key: string } };
    expect(recorded.attachment?.key).toMatch(new RegExp(`^ann/${task.id}/`));
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      expect(await accessibilityViolations(page), colorScheme).toEqual([]);
    }
    for (const width of [320, 1280]) {
      await page.setViewportSize({ width, height: 800 });
      expect(await horizontalOverflow(page), `${width} px`).toEqual({ scrollsSideways: false, controlsOffScreen: [] });
    }

    // The download: saved under the file's name, the same bytes, the page stays where it is.
    const at = page.url();
    const download = page.waitForEvent('download');
    await link.click();
    expect((await download).suggestedFilename()).toBe(name);
    const path = await (await download).path();
    expect((await readFile(path)).equals(bytes)).toBe(true);
    expect(page.url()).toBe(at);

    // What the page refuses before any request: too large, a type that could carry script.
    const input = row.locator('input[type=file]');
    await input.setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: Buffer.alloc(10_000_001) });
    await expect
      .poll(() => page.locator('#problem').textContent())
      .toBe('“huge.png” is larger than 10 MB: attach a smaller file.');
    await input.setInputFiles({ name: 'page.html', mimeType: 'text/html', buffer: Buffer.from('<script>') });
    await expect.poll(() => page.locator('#problem').textContent()).toContain('“page.html” cannot be attached');

    // Another user cannot sign an upload to, nor download, ann's file: 404, as for a task not theirs.
    const attachment = `${pageUrl}tasks/${task.id}/attachment`;
    const asBob = { authorization: bearer.bob ?? '', 'content-type': 'application/json' };
    const upload = await fetch(attachment, {
      method: 'POST',
      headers: asBob,
      body: JSON.stringify({ name: 'x.txt', type: 'text/plain', size: 1 }),
    });
    expect(upload.status).toBe(404);
    expect((await fetch(attachment, { headers: asBob })).status).toBe(404);

    // Remove, Undo brings it back; remove again and let the Undo window pass: the object goes too.
    await row.getByRole('button', { name: `Remove ${name}` }).click();
    await expect.poll(() => page.locator('#undo').textContent()).toContain(`Removed “${name}”.`);
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => link.isVisible()).toBe(true);
    await row.getByRole('button', { name: `Remove ${name}` }).click();
    await closeUndoWindow(page);
    await expect
      .poll(async () => ((await stored(listId)).find((t) => t.id === task.id) as { attachment?: unknown }).attachment)
      .toBeUndefined();
    const s3 = new S3Client({
      endpoint: /S3 \(local, signatures and IAM enforced\): (http:\/\/\S+)/.exec(offline.output())?.[1] ?? '',
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'gantry-admin', secretAccessKey: 'gantry-local-secret' },
    });
    // The local run's bucket: its deployed name with the local account and the Region filled in.
    const Bucket = bucketNameIn(deployedBucketName('gantry-example', 'dev', 'attachments'), {
      accountId: '000000000000',
      region: 'us-east-1',
    });
    const Key = recorded.attachment?.key;
    await expect
      .poll(() =>
        s3.send(new HeadObjectCommand({ Bucket, Key })).then(
          () => 'there',
          (error: Error) => error.name,
        ),
      )
      .toBe('NotFound');
    s3.destroy();
    expect(problems).toEqual([]);
    await page.close();
  });
});

describe('each user sees only their own tasks', () => {
  it("two users in two browsers on the same list id: each sees only their own; another user's task is 404", async () => {
    const listId = `shared${Date.now()}`;
    const ann = await openPage('ann');
    const bob = await openPage('bob');
    for (const [{ page }, title] of [
      [ann, "Ann's task"],
      [bob, "Bob's task"],
    ] as const) {
      await page.goto(`${pageUrl}#list=${listId}`);
      await expect.poll(() => page.locator('#list-id').textContent()).toBe(listId);
      await expect.poll(() => page.getByRole('status').textContent()).toBe('No tasks yet: add one above.');
      await page.getByLabel('Task title').fill(title);
      await page.getByRole('button', { name: 'Add' }).click();
      await expect.poll(() => titles(page)).toEqual([title]);
    }
    // Each page, read again from the API, still shows its own user's task only.
    await ann.page.reload();
    await expect.poll(() => titles(ann.page)).toEqual(["Ann's task"]);
    await bob.page.reload();
    await expect.poll(() => titles(bob.page)).toEqual(["Bob's task"]);

    // Bob's token on Ann's task: not there for him, whatever he does; still Ann's, unchanged.
    const [annsTask] = await stored(listId, 'ann');
    const asBob = { authorization: bearer.bob ?? '', 'content-type': 'application/json' };
    expect((await fetch(`${offline.url}/tasks/${annsTask?.id}`, { headers: asBob })).status).toBe(404);
    const patch = await fetch(`${offline.url}/tasks/${annsTask?.id}`, {
      method: 'PATCH',
      headers: asBob,
      body: JSON.stringify({ title: 'Taken over', version: 1 }),
    });
    expect(patch.status).toBe(404);
    expect((await stored(listId, 'ann')).map((t) => t.title)).toEqual(["Ann's task"]);
    expect(ann.problems).toEqual([]);
    expect(bob.problems).toEqual([]);
    await ann.page.close();
    await bob.page.close();
  });
});

describe('the tasks-app API under load', () => {
  it('10 connections, 300 creates: no errors, and every acknowledged task is listed', async () => {
    const listId = `load${Date.now()}`;
    const { acknowledged, failures } = await writeConcurrently({
      connections: 10,
      enough: 300,
      write: async (c, i) => {
        const response = await fetch(`${offline.url}/lists/${listId}/tasks`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: bearer.ann ?? '' },
          body: JSON.stringify({ title: `load ${c}-${i}` }),
        });
        const body = (await response.json()) as { id?: string };
        return response.status === 201 && body.id
          ? { acknowledged: body.id }
          : { failure: `${response.status} ${JSON.stringify(body)}` };
      },
    });
    expect(failures).toEqual([]);
    expect(acknowledged.length).toBeGreaterThanOrEqual(300);

    // Listed through the API, page by page, as the page does.
    const listed = new Set<string>();
    let cursor: string | undefined;
    do {
      const query = new URLSearchParams({ limit: '100', ...(cursor ? { cursor } : {}) });
      const response = await fetch(`${offline.url}/lists/${listId}/tasks?${query}`, {
        headers: { authorization: bearer.ann ?? '' },
      });
      expect(response.status).toBe(200);
      const page = (await response.json()) as { items: { id: string }[]; cursor?: string };
      for (const task of page.items) listed.add(task.id);
      cursor = page.cursor;
    } while (cursor);
    expect(acknowledged.filter((id) => !listed.has(id))).toEqual([]);
    expect(listed.size).toBe(acknowledged.length);
  });
});
