import { S3Schema } from '@aws-lambda-powertools/parser/schemas/s3';
import { describe, expect, it } from 'vitest';
import type { InvokeOutcome } from '../src/events/invoke.js';
import { startObjectNotifier } from '../src/events/object-notifier.js';
import { type S3EventName, s3EventRecord } from '../src/events/s3-event.js';
import type { Manifest, ManifestFunction } from '../src/manifest.js';
import { waitUntil } from './support/wait.js';

// How object events reach the functions they trigger: S3's filter rules, one record per event with
// the subscription's configurationId, and Lambda's asynchronous retries. The functions are recorded
// calls here (what the local S3 reports and how the functions run are tested with the real parts
// in local-s3.test.ts and files-local.test.ts).

const fn = (name: string, triggers: ManifestFunction['triggers']) => ({ name, triggers }) as ManifestFunction;
const manifest = {
  functions: [
    fn('thumbs', [{ type: 'object', bucket: 'uploads', events: 'created', prefix: 'photos/', suffix: '.jpg' }]),
    fn('audit', [
      { type: 'object', bucket: 'uploads', events: 'created' },
      { type: 'object', bucket: 'uploads', events: 'removed' },
    ]),
    fn('other', [{ type: 'object', bucket: 'archive', events: 'created' }]),
  ],
} as Manifest;

const notice = (key: string, eventName: S3EventName = 'ObjectCreated:Put', bucket = 'uploads') => ({
  bucket,
  change: { key },
  record: s3EventRecord(
    {
      eventName,
      bucketName: `svc-dev-${bucket}`,
      key,
      ...(eventName.startsWith('ObjectCreated:') ? { size: 3, eTag: 'abc' } : {}),
      sequencer: '0A',
      principalId: 'AWS:AROAEXAMPLE:writer',
      sourceIPAddress: '127.0.0.1',
      requestId: 'R',
      hostId: 'H',
      time: new Date('2026-12-08T00:00:00Z'),
    },
    { region: 'eu-west-1', configurationId: 'gantry-uploads', ownerPrincipalId: 'OWNER' },
  ),
});

function recorder(outcomes: InvokeOutcome[] = []) {
  const calls: { functionName: string; event: { Records: { s3: { configurationId: string } }[] } }[] = [];
  const warnings: string[] = [];
  const notifier = startObjectNotifier({
    manifest,
    invoke: async (functionName, event) => {
      calls.push({ functionName, event: event as (typeof calls)[number]['event'] });
      return outcomes.shift() ?? { type: 'result', result: null };
    },
    log: { notice: () => undefined, warning: (line) => warnings.push(line) },
    retryDelaysMs: [10, 20],
  });
  return { calls, warnings, notifier };
}

describe('object notifications in a local run', () => {
  it("applies S3's filter rules: bucket, created or removed, key prefix and suffix", async () => {
    const { calls, notifier } = recorder();
    notifier.notify(notice('photos/cat.jpg'));
    notifier.notify(notice('photos/cat.png'));
    notifier.notify(notice('docs/cat.jpg'));
    notifier.notify(notice('photos/cat.jpg', 'ObjectRemoved:Delete'));
    notifier.notify(notice('x.jpg', 'ObjectCreated:Put', 'archive'));
    await waitUntil(() => notifier.idle(), 'the deliveries to end');
    const byFunction = (name: string) => calls.filter((c) => c.functionName === name).length;
    expect(byFunction('thumbs')).toBe(1); // photos/cat.jpg only
    expect(byFunction('audit')).toBe(5 - 1); // every uploads event, created or removed
    expect(byFunction('other')).toBe(1);
  });

  it("sends each subscription the record alone, as S3 sends it, with that subscription's configurationId", async () => {
    const { calls, notifier } = recorder();
    notifier.notify(notice('photos/a b.jpg'));
    await waitUntil(() => notifier.idle(), 'the deliveries to end');
    for (const call of calls) {
      expect(S3Schema.parse(call.event).Records).toHaveLength(1);
      expect(call.event.Records[0]?.s3).toMatchObject({ object: { key: 'photos/a+b.jpg' } });
    }
    expect(calls.map((c) => c.event.Records[0]?.s3.configurationId).sort()).toEqual(['audit-0', 'thumbs-0']);
  });

  it('retries a failed invocation twice, as Lambda retries an asynchronous event, then gives it up', async () => {
    const error = { type: 'error', error: { errorType: 'Error', errorMessage: 'boom' } } as const;
    const { calls, warnings, notifier } = recorder([error, error, error]);
    notifier.notify(notice('x.txt', 'ObjectCreated:Put', 'archive'));
    expect(notifier.idle()).toBe(false);
    await waitUntil(() => notifier.idle(), 'the deliveries to end');
    expect(calls.map((c) => c.functionName)).toEqual(['other', 'other', 'other']);
    expect(warnings).toHaveLength(3);
    expect(warnings[2]).toContain('given up after 3 attempts');
  });

  it('stops retrying once the run stops', async () => {
    const error = { type: 'error', error: { errorType: 'Error', errorMessage: 'boom' } } as const;
    const { calls, notifier } = recorder([error]);
    notifier.notify(notice('x.txt', 'ObjectCreated:Put', 'archive'));
    await waitUntil(() => calls.length === 1, 'the first attempt');
    notifier.stop();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toHaveLength(1);
  });
});
