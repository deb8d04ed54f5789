import { S3Schema } from '@aws-lambda-powertools/parser/schemas/s3';
import { bucket, onObjectCreated, onObjectRemoved } from '@gantry/decorators';
import { describe, expect, it } from 'vitest';
import { KIT_METRICS, type ObjectEvent, objectHandler } from '../src/index.js';
import { lambdaContext } from './support/events.js';
import { s3Record } from './support/s3-records.js';

const Uploads = bucket('uploads');
const settings = { namespace: 'svc/dev' };
const silent = { logger: { write: () => undefined }, metrics: false as const };
const created = (key: string) =>
  s3Record('ObjectCreated:Put', key, { size: 1305107, eTag: 'b21b84d653bb07b05b1e6b33684dc11b' });

describe('objectHandler', () => {
  it('hands each record with its key decoded as AWS requires (+ is a space, then percent-decoding)', async () => {
    const seen: ObjectEvent[] = [];
    class Thumbnails {
      @onObjectCreated(Uploads)
      static async make(object: ObjectEvent) {
        seen.push(object);
      }
    }
    const event = {
      Records: [
        created('uploads/my+summer+photo+%C3%A9t%C3%A9+%E2%98%83.jpg'),
        created('inbox%2Fa%2Bb+%28copy%29.txt'),
      ],
    };
    expect(S3Schema.safeParse(event).success).toBe(true);
    await expect(objectHandler(Thumbnails, 'make', silent)(event, lambdaContext())).resolves.toBeUndefined();
    expect(seen.map((o) => o.key)).toEqual(['uploads/my summer photo été ☃.jpg', 'inbox/a+b (copy).txt']);
    expect(seen[0]).toEqual({
      type: 'created',
      bucket: 'svc-dev-uploads',
      key: 'uploads/my summer photo été ☃.jpg',
      size: 1305107,
      eTag: 'b21b84d653bb07b05b1e6b33684dc11b',
      at: new Date('2026-12-07T10:15:30.123Z'),
      eventName: 'ObjectCreated:Put',
      record: event.Records[0],
    });
  });

  it('a removal has no size or eTag, as S3 sends none; a delete marker keeps its versionId', async () => {
    const seen: ObjectEvent[] = [];
    class Cleanup {
      @onObjectRemoved(Uploads)
      static async forget(object: ObjectEvent) {
        seen.push(object);
      }
    }
    const event = {
      Records: [
        s3Record('ObjectRemoved:Delete', 'a.txt'),
        s3Record('ObjectRemoved:DeleteMarkerCreated', 'b.txt', { versionId: '3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY' }),
      ],
    };
    expect(S3Schema.safeParse(event).success).toBe(true);
    await objectHandler(Cleanup, 'forget', silent)(event, lambdaContext());
    expect(seen[0]).toEqual({
      type: 'removed',
      bucket: 'svc-dev-uploads',
      key: 'a.txt',
      at: new Date('2026-12-07T10:15:30.123Z'),
      eventName: 'ObjectRemoved:Delete',
      record: event.Records[0],
    });
    expect(seen[1]).toMatchObject({ type: 'removed', key: 'b.txt', versionId: '3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY' });
  });

  it('runs every record, logs each failure, then throws so Lambda retries the invocation', async () => {
    const ran: string[] = [];
    const lines: Record<string, unknown>[] = [];
    class Thumbnails {
      @onObjectCreated(Uploads)
      static async make(object: ObjectEvent) {
        ran.push(object.key);
        if (object.key === 'b c.png') throw new Error('not an image');
      }
    }
    const handler = objectHandler(Thumbnails, 'make', {
      metrics: settings,
      logger: { write: (l) => lines.push(JSON.parse(l)) },
    });
    const event = { Records: [created('a.png'), created('b+c.png'), created('d.png')] };
    await expect(handler(event, lambdaContext())).rejects.toThrow('not an image');
    expect(ran).toEqual(['a.png', 'b c.png', 'd.png']);
    expect(lines.find((l) => l.msg === 'record failed')).toMatchObject({
      level: 'error',
      method: 'Thumbnails.make',
      record: 'b c.png',
      error: 'Error: not an image',
    });
    const batch = lines.find((l) => l.msg === 'batch');
    expect(batch).toMatchObject({
      level: 'warn',
      records: 3,
      failed: 1,
      function: 'notes-api',
      requestId: 'req-1',
      Records: 3,
      FailedRecords: 1,
    });
    const emf = batch?._aws as { CloudWatchMetrics: { Dimensions: string[][] }[] };
    expect(emf.CloudWatchMetrics[0]?.Dimensions).toEqual([[...KIT_METRICS.batch.dimensions]]);
  });

  it('throws an AggregateError of every failure when several records fail', async () => {
    class Thumbnails {
      @onObjectCreated(Uploads)
      static async make(object: ObjectEvent) {
        throw new Error(`cannot read ${object.key}`);
      }
    }
    const error = await objectHandler(
      Thumbnails,
      'make',
      silent,
    )({ Records: [created('a.png'), created('b.png')] }, lambdaContext()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).message).toBe('2 of 2 object events failed in Thumbnails.make');
    expect((error as AggregateError).errors.map((e: Error) => e.message)).toEqual([
      'cannot read a.png',
      'cannot read b.png',
    ]);
  });

  it('logs a batch without failures at info, and calls the method with its class as this', async () => {
    const lines: Record<string, unknown>[] = [];
    class Thumbnails {
      static sizes = [64, 256];
      @onObjectCreated(Uploads, { suffix: '.png' })
      static async make() {
        // biome-ignore lint/complexity/noThisInStatic: what is tested is that `this` is the class, as written
        expect(this.sizes).toEqual([64, 256]);
      }
    }
    await objectHandler(Thumbnails, 'make', { metrics: false, logger: { write: (l) => lines.push(JSON.parse(l)) } })(
      { Records: [created('a.png')] },
      lambdaContext(),
    );
    expect(lines).toEqual([expect.objectContaining({ level: 'info', msg: 'batch', records: 1, failed: 0 })]);
  });

  it('fails a record of an event type it does not subscribe to, naming it', async () => {
    class Thumbnails {
      @onObjectCreated(Uploads)
      static async make() {}
    }
    const record = s3Record('ObjectRestore:Completed', 'a.png');
    await expect(objectHandler(Thumbnails, 'make', silent)({ Records: [record] }, lambdaContext())).rejects.toThrow(
      "objectHandler: a 'ObjectRestore:Completed' record is neither ObjectCreated:* nor ObjectRemoved:*",
    );
  });

  it('refuses a name that is not a method, and a method no object event triggers', () => {
    class Thumbnails {
      static size = 64;
      static async make() {}
    }
    expect(() => objectHandler(Thumbnails, 'size')).toThrow('objectHandler: Thumbnails.size is not a function');
    expect(() => objectHandler(Thumbnails, 'make')).toThrow(
      'objectHandler: Thumbnails.make has no @onObjectCreated(bucket) or @onObjectRemoved(bucket)',
    );
  });
});
