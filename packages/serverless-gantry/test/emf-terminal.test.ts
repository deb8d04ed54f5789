import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { warnAboutDroppedMetrics } from '../src/offline/run/emf-terminal.js';

const valid = JSON.stringify({
  _aws: {
    Timestamp: Date.now(),
    CloudWatchMetrics: [{ Namespace: 'app/dev', Dimensions: [[]], Metrics: [{ Name: 'Hits' }] }],
  },
  Hits: 1,
});
const dropped = valid.replace('"Hits":1', '"Hits":"one"');

describe('sls offline: a warning under a metrics line CloudWatch would drop', () => {
  it('warns once for a dropped line, also when it arrives in pieces, and passes every byte on', () => {
    const stdout = new PassThrough();
    const written: string[] = [];
    stdout.on('data', (chunk: Buffer) => written.push(chunk.toString()));
    const warnings: string[] = [];
    const restore = warnAboutDroppedMetrics((line) => warnings.push(line), stdout);
    stdout.write(`GET /x 200 1 ms fn\n${valid}\n`);
    stdout.write(dropped.slice(0, 40));
    stdout.write(Buffer.from(`${dropped.slice(40)}\n`));
    restore();
    stdout.write(`${dropped}\n`); // after restore: not checked
    expect(warnings).toEqual([
      'gantry: CloudWatch would drop the metrics of the line above: metric Hits needs a number or an array of numbers at the root, got "one"',
    ]);
    expect(written.join('')).toBe(`GET /x 200 1 ms fn\n${valid}\n${dropped}\n${dropped}\n`);
  });
});
