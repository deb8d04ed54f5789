import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DescribeTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OfflineRun, startOffline } from './support/offline.js';
import { tempService } from './support/temp-service.js';
import { waitUntil } from './support/wait.js';

const SERVICE = `service: reload
frameworkVersion: '4'
provider:
  name: aws
  runtime: nodejs22.x
  region: eu-west-1
plugins:
  - serverless-gantry
  - serverless-esbuild
  - serverless-offline
custom:
  esbuild:
    bundle: true
    target: node22
    exclude: ['@aws-sdk/*']
`;

const tables = (extra = '', indexes = '') => `import { table } from '@gantry/decorators';
export const Notes = table('notes', { partitionKey: { name: 'id', type: 'S' }${indexes} });
${extra}`;

const api = (access: 'read' | 'readwrite') => `import { api, post, uses } from '@gantry/decorators';
import { tableClient } from '@gantry/middy/dynamodb';
import { Notes } from './tables.js';

const notes = tableClient(Notes);

@api('/notes')
export class NotesApi {
  @post('/probe')
  @uses(Notes, '${access}')
  static async probe() {
    try {
      await notes.put({ id: 'n1', owner: 'ann' });
      return { outcome: 'ok' };
    } catch (error) {
      return { outcome: (error as Error).name };
    }
  }
}
`;

// A page whose script (TypeScript, bundled for the browser by Gantry's page plugin) imports a module.
const PAGE = {
  'src/web.ts': `import { api, get } from '@gantry/decorators';
import script from 'gantry-page:./page/script.ts';
@api('')
export class Web {
  @get('/page')
  static page() {
    return { script };
  }
}
`,
  'src/page/script.ts': `import { words } from './words.js';\ndocument.title = words;\n`,
  'src/page/words.ts': `export const words: string = 'first words';\n`,
};

let service: Awaited<ReturnType<typeof tempService>>;
let offline: OfflineRun;
let db: DynamoDBClient;

/**
 * Saves as editors do, atomically (write aside, rename over). A truncate-then-write save can leave
 * a watcher serving a bundle of the half-written file until the next save.
 */
async function save(file: string, contents: string) {
  const path = join(service.dir, file);
  await writeFile(`${path}.saving`, contents);
  await rename(`${path}.saving`, path);
}

const reloads = () => offline.output().split('gantry: reloaded').length - 1;
async function edit(file: string, contents: string) {
  const before = reloads();
  await save(file, contents);
  await waitUntil(
    () => reloads() > before,
    () => `a reload after editing ${file}:\n${offline.output()}`,
  );
}
const probe = async () =>
  (await (await fetch(`${offline.url}/notes/probe`, { method: 'POST' })).json()) as { outcome?: string };

/** The probe's outcome once the same edit's new permissions are in place (the new code may be served first). */
async function settledProbe(expected: string) {
  let last: { outcome?: string } = {};
  const settled = async () => {
    last = await probe();
    return last.outcome === expected;
  };
  // On a timeout the caller's assertion on the last outcome says what went wrong.
  await waitUntil(settled, `the probe to answer ${expected}`).catch(() => undefined);
  return last;
}

beforeAll(async () => {
  service = await tempService({
    'serverless.yml': SERVICE,
    'src/tables.ts': tables(),
    'src/api.ts': api('read'),
    ...PAGE,
  });
  offline = await startOffline(service.dir);
  const endpoint = /DynamoDB \(local, IAM enforced\): (http:\/\/127\.0\.0\.1:\d+)/.exec(offline.output())?.[1] ?? '';
  db = new DynamoDBClient({ endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'me', secretAccessKey: 'x' } });
});
afterAll(async () => {
  db?.destroy();
  await offline?.stop();
  await service?.remove();
});

describe('edits under sls offline are picked up without a restart', () => {
  it('a new @uses changes what the function may do, on the next request', async () => {
    expect(await probe()).toEqual({ outcome: 'AccessDeniedException' });
    await edit('src/api.ts', api('readwrite'));
    expect(await settledProbe('ok')).toEqual({ outcome: 'ok' });
  });

  it('a new table is created, and a new index on an existing table', async () => {
    await edit(
      'src/tables.ts',
      tables("export const Tags = table('tags', { partitionKey: { name: 'tag', type: 'S' } });"),
    );
    expect((await db.send(new ListTablesCommand({}))).TableNames).toContain('reload-dev-tags');

    await edit('src/tables.ts', tables('', ", indexes: { byOwner: { partitionKey: { name: 'owner', type: 'S' } } }"));
    const { Table } = await db.send(new DescribeTableCommand({ TableName: 'reload-dev-notes' }));
    expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['byOwner']);
    expect(offline.output()).toContain('created index notes.byOwner');
  });

  it("an edit to a module of the page's script is in the page served next", async () => {
    // Tolerant of an error during the swap, which serverless-esbuild's own watch (the fallback) can give.
    const served = async () =>
      fetch(`${offline.url}/page`)
        .then(async (response) => ((await response.json()) as { script?: string }).script)
        .catch(() => undefined);
    expect(await served()).toContain('first words');
    await save('src/page/words.ts', `export const words: string = 'second words';\n`);
    let last: string | undefined;
    await waitUntil(
      async () => {
        last = await served();
        return last?.includes('second words') ?? false;
      },
      () => `the page's script to hold the edit; last served: ${last}\n${offline.output()}`,
    );
    expect(last).not.toContain('first words');
  });

  it('a build error while running is reported, and the run keeps serving', async () => {
    await save('src/api.ts', `${api('readwrite')}\nexport class Broken { @post('/x') instance() {} }\n`);
    await offline.waitFor(/Gantry decorators go on static methods/);
    expect(offline.output()).toContain('src/api.ts › Broken.instance: Gantry decorators go on static methods');
    expect((await settledProbe('ok')).outcome).toBe('ok');
  });
});
