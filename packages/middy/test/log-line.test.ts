import { schedule } from '@gantry/decorators';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { httpHandler, scheduledHandler } from '../src/index.js';
import { httpEvent, lambdaContext } from './support/events.js';
import { NotesApi } from './support/notes-api.js';

// What `sls offline` sets in each generated function's environment (function-terminal-env.ts).
const LOCAL = { GANTRY_LOCAL_LOG_FORMAT: 'line', GANTRY_LOCAL_FUNCTION: 'notes-api-read' };

afterEach(() => {
  vi.unstubAllEnvs();
});

function localHandler(method: 'read' | 'boom', lines: string[], env: Record<string, string> = LOCAL) {
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  return httpHandler(NotesApi, method, { logger: { write: (line) => lines.push(line) } });
}

describe('the request log line under sls offline', () => {
  it('is one line a person reads: method, path, status, duration, function, and cold start on the first', async () => {
    const lines: string[] = [];
    const handler = localHandler('read', lines);
    const read = (id: string) =>
      handler(httpEvent({ path: `/notes/${id}`, route: 'GET /notes/{id}', params: { id } }), lambdaContext());

    await read('n1');
    await read('n404');

    expect(lines).toEqual([
      expect.stringMatching(/^GET \/notes\/n1 200 \d+(\.\d+)? ms notes-api-read \(cold start\)\n$/),
      expect.stringMatching(/^GET \/notes\/n404 404 \d+(\.\d+)? ms notes-api-read\n$/),
    ]);
  });

  it('prints a 500 with the request id and the stack as Node prints it, then the request line', async () => {
    const lines: string[] = [];
    const handler = localHandler('boom', lines, { ...LOCAL, GANTRY_LOCAL_FUNCTION: 'notes-api-boom' });

    const response = await handler(httpEvent({ path: '/notes/boom' }), lambdaContext('req-500'));

    expect(response.statusCode).toBe(500);
    const [error, request] = lines;
    expect(error?.split('\n').slice(0, 3)).toEqual([
      'ERROR unhandled error (request req-500)',
      'Error: connection string postgres://admin:hunter2@db',
      expect.stringMatching(/^ {4}at .*boom/),
    ]);
    expect(request).toMatch(/^GET \/notes\/boom 500 \d+(\.\d+)? ms notes-api-boom \(cold start\)\n$/);
  });

  it('is JSON, with the path, when the environment does not ask for lines (deployed, or sls offline --verbose)', async () => {
    const lines: string[] = [];
    const handler = localHandler('read', lines, { GANTRY_LOCAL_LOG_FORMAT: 'json' });

    await handler(httpEvent({ path: '/notes/n1', route: 'GET /notes/{id}', params: { id: 'n1' } }), lambdaContext('a'));

    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      level: 'info',
      msg: 'request',
      requestId: 'a',
      method: 'GET',
      path: '/notes/n1',
      route: 'GET /notes/{id}',
      status: 200,
      coldStart: true,
    });
  });

  it('gives a scheduled run one line, and its error on it when it fails', async () => {
    class Cleanup {
      @schedule('rate(1 day)')
      static async purge(input: { fail?: boolean }) {
        if (input.fail) throw new Error('table busy');
      }
    }
    const lines: string[] = [];
    const run = scheduledHandler(Cleanup, 'purge', { logger: { format: 'line', write: (line) => lines.push(line) } });

    await run({}, lambdaContext());
    await expect(run({ fail: true }, lambdaContext())).rejects.toThrow('table busy');

    expect(lines).toEqual([
      expect.stringMatching(/^schedule \d+(\.\d+)? ms notes-api \(cold start\)\n$/),
      expect.stringMatching(/^ERROR schedule \d+(\.\d+)? ms notes-api: Error: table busy\n$/),
    ]);
  });
});

describe('the request log line under sls offline, with metrics', () => {
  it('stays the same short line: the EMF block and metric values are left out', async () => {
    const lines: string[] = [];
    const handler = localHandler('read', lines, { ...LOCAL, GANTRY_SERVICE: 'notes', GANTRY_STAGE: 'dev' });
    await handler(httpEvent({ path: '/notes/n1', route: 'GET /notes/{id}', params: { id: 'n1' } }), lambdaContext());
    expect(lines).toEqual([
      expect.stringMatching(/^GET \/notes\/n1 200 \d+(\.\d+)? ms notes-api-read \(cold start\)\n$/),
    ]);
  });

  it('shows the JSON with its EMF block with --verbose (json format)', async () => {
    const lines: string[] = [];
    const handler = localHandler('read', lines, {
      GANTRY_LOCAL_LOG_FORMAT: 'json',
      GANTRY_SERVICE: 'notes',
      GANTRY_STAGE: 'dev',
    });
    await handler(httpEvent({ path: '/notes/n1', route: 'GET /notes/{id}', params: { id: 'n1' } }), lambdaContext());
    expect(JSON.parse(lines[0] as string)._aws.CloudWatchMetrics[0].Namespace).toBe('notes/dev');
  });
});
