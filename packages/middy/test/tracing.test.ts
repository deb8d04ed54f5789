// Tracing on: the kit's tracer (Powertools Tracer, the X-Ray SDK) as in a Lambda environment with
// active tracing. AWS's X-Ray daemon is the one part that cannot run here: a UDP socket on loopback
// stands in for it and receives the segments the SDK sends, exactly as the daemon would.
import { createSocket, type Socket } from 'node:dgram';
import { api, get, table, uses } from '@gantry/decorators';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type HttpRequest, httpHandler } from '../src/index.js';
import { httpEvent, lambdaContext } from './support/events.js';
import { startLocalDynamoDB } from './support/local-dynamodb.js';

const TRACE = '1-67a0c0de-0123456789abcdef01234567';
interface Segment {
  name: string;
  annotations?: Record<string, unknown>;
  subsegments?: Segment[];
  namespace?: string;
}
const received: Segment[] = [];
let daemon: Socket;
let local: Awaited<ReturnType<typeof startLocalDynamoDB>>;
const Notes = table('notes', { partitionKey: { name: 'id', type: 'S' } });

beforeAll(async () => {
  daemon = createSocket('udp4');
  daemon.on('message', (message) => received.push(JSON.parse(message.toString().split('\n')[1] as string)));
  await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
  local = await startLocalDynamoDB();
  await local.createTable(Notes, 'notes-dev-notes');
  const env = {
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    LAMBDA_TASK_ROOT: '/var/task',
    AWS_LAMBDA_FUNCTION_NAME: 'notes-dev-notes-read',
    AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemon.address().port}`,
    _X_AMZN_TRACE_ID: `Root=${TRACE};Parent=53995c3f42cd8ad8;Sampled=1`,
    GANTRY_SERVICE: 'notes',
    GANTRY_STAGE: 'dev',
    GANTRY_FUNCTION: 'notes-read',
    GANTRY_TABLE_NOTES: 'notes-dev-notes',
    AWS_ENDPOINT_URL_DYNAMODB: local.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  };
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  await import('../src/tracing/index.js'); // what the generated entry of a traced function imports first
});
afterAll(() => {
  vi.unstubAllEnvs();
  daemon?.close();
});

/** Waits until the stand-in daemon has received a segment that `match` accepts. */
async function segment(match: (s: Segment) => boolean): Promise<Segment> {
  // A guard against a hang only: on a busy machine the segment can take seconds to arrive.
  await vi.waitFor(() => expect(received.find(match)).toBeDefined(), { timeout: 60_000, interval: 50 });
  return received.find(match) as Segment;
}

describe('tracing on', () => {
  it('annotates the invocation with both request ids, makes the table call a subsegment, logs the trace id', async () => {
    const { tableClient } = await import('../src/dynamodb/index.js');
    @api('/notes')
    class NotesApi {
      @get('/{id}')
      @uses(Notes, 'read')
      static read(request: HttpRequest) {
        return tableClient(Notes).get({ id: request.params.id as string });
      }
    }
    const lines: string[] = [];
    const handler = httpHandler(NotesApi, 'read', { logger: { write: (l) => lines.push(l) } });
    const response = await handler(
      httpEvent({ path: '/notes/n1', route: 'GET /notes/{id}', params: { id: 'n1' } }),
      lambdaContext('lambda-req-1'),
    );
    expect(response.statusCode).toBe(204); // no such note: the call reached the table

    const invocation = await segment((s) => s.name === '## notes-read');
    expect(invocation.annotations).toMatchObject({
      ColdStart: true,
      requestId: 'lambda-req-1',
      apiRequestId: 'apigw-req',
    });
    const dynamodb = await segment((s) => s.name === 'DynamoDB');
    expect(dynamodb.namespace).toBe('aws');
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      requestId: 'lambda-req-1',
      apiRequestId: 'apigw-req',
      traceId: TRACE,
    });
  });
});
