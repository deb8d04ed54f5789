import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { CapacityReport } from '../src/capacity/capacity-report.js';
import { resourcesOfType } from './support/cfn.js';
import { cfnLint } from './support/cfn-lint.js';
import { type CfnTemplate, OWN_WORK_FOLDER, sls } from './support/serverless.js';
import { exclusivePackaging } from './support/service-lock.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const notes = fileURLToPath(new URL('./fixtures/notes/', import.meta.url));
const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** `sls package --stage <stage>` into a folder of this test's own; the template and what it printed. */
async function packaged(cwd: string, stage: string) {
  const dir = `.serverless-capacity-${stage}`;
  folders.push(join(cwd, dir), join(cwd, `${dir}-esbuild`));
  const result = await exclusivePackaging(cwd, () =>
    sls(cwd, ['package', '--stage', stage, '--package', dir], { [OWN_WORK_FOLDER]: `${dir}-esbuild` }),
  );
  expect(result.code, result.stdout + result.stderr).toBe(0);
  const path = join(cwd, dir, 'cloudformation-template-update-stack.json');
  return {
    template: JSON.parse(readFileSync(path, 'utf8')) as CfnTemplate,
    path,
    output: result.stdout + result.stderr,
  };
}

describe('the root service (the tasks-app starter) scales by default', () => {
  it("packages prod with no throttle below the account's 10,000 requests/s, and says so", async () => {
    const { template, path, output } = await packaged(root, 'prod');
    const [[, stage] = expect.unreachable()] = resourcesOfType(template, 'AWS::ApiGatewayV2::Stage');
    const settings = [
      stage.Properties?.DefaultRouteSettings,
      ...Object.values((stage.Properties?.RouteSettings ?? {}) as Record<string, unknown>),
    ] as { ThrottlingRateLimit?: number; ThrottlingBurstLimit?: number }[];
    expect(settings.length).toBe(1 + resourcesOfType(template, 'AWS::ApiGatewayV2::Route').length);
    for (const setting of settings) {
      expect(setting.ThrottlingRateLimit).toBeGreaterThanOrEqual(10_000);
      expect(setting.ThrottlingBurstLimit).toBeGreaterThanOrEqual(5_000);
    }
    expect(output).toContain(
      "gantry: stage prod has no stage-wide throttle: each route may take the account's 10,000 requests/s, burst 5,000",
    );
    expect(cfnLint(path).findings).toEqual([]);
  });

  it('estimates 1,000 requests/s on prod: concurrency, the first limit reached and the month, as JSON', async () => {
    const result = await sls(root, ['gantry', 'capacity', '--stage', 'prod', '--rps', '1000', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as CapacityReport;
    // 11 routes, 1,000/11 requests/s each; 512 MB and 6 s (params, custom.gantry.defaults): 600 ms each.
    const perRoute = 1000 / 11;
    expect(report.routes).toHaveLength(11);
    expect(new Set(report.routes.map((r) => r.requestsPerSecond))).toEqual(new Set([perRoute]));
    expect(new Set(report.functions.map((f) => `${f.memoryMb} MB ${f.durationMs} ms`))).toEqual(
      new Set(['512 MB 600 ms']),
    );
    // 11 routes × perRoute × 0.6 = 600. The tasks table's change records: creates, updates, deletes,
    // attachment removals (an update) and the queue consumer's deletes: 5 × perRoute a second, each
    // read by two consumers (the counter, the attachments' cleaner): 2 × 5 × perRoute × 0.6; the
    // queue's consumer perRoute × 0.6. The nightly purge runs 31 times in the 730 hours from
    // 2026-01-01: 31 × 0.6 s / 2,628,000 s, and as much again for each of the two consumers its write runs.
    const purge = (3 * 31 * 0.6) / 2_628_000;
    const needed = 600 + 2 * 5 * perRoute * 0.6 + perRoute * 0.6;
    expect(needed).toBeCloseTo(1200, 9);
    expect(report.concurrency.unreservedNeeded).toBeCloseTo(needed + purge, 9);
    expect(report.limits[0]).toMatchObject({ limit: 'Lambda concurrency, unreserved pool' });
    expect(report.limits[0]?.reachedAtRps).toBeCloseTo(1000 * ((1000 - purge) / needed), 6);
    // HTTP API: 1,000 × 2,628,000 = 2,628 million: 300 × $1.00 + 2,328 × $0.90 = $2,395.20.
    expect(report.cost.lines.find((l) => l.item === 'HTTP API requests')?.usd).toBeCloseTo(2395.2, 6);
    // Writes: tasks 5 × perRoute + its byList index as much + counts as much (one write per change
    // record): 15 × perRoute WRU/s × 2,628,000 s × $0.625 per million (and the purge's 31 × 3 units).
    expect(report.cost.lines.find((l) => l.item.startsWith('DynamoDB writes'))?.usd).toBeCloseTo(
      ((15 * perRoute * 2_628_000 + 31 * 3) / 1e6) * 0.625,
      3,
    );
  });

  it('prints the same estimate for people', async () => {
    const result = await sls(root, ['gantry', 'capacity', '--stage', 'prod', '--rps', '1000']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('gantry capacity: gantry-example, stage prod (us-east-1), at 1,000 requests/s');
    expect(result.stdout).toContain(
      '  1. Lambda concurrency, unreserved pool: 1,200 of 1,000 concurrent, reached at 833 requests/s, passed at this load',
    );
  });

  it('refuses a mistaken option with what to write instead', async () => {
    const result = await sls(root, ['gantry', 'capacity', '--stage', 'prod', '--queue', 'jobs=5']);
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toContain(
      "gantry capacity: --queue 'jobs=5': 'jobs' is not a queue of this service; give one of: clear-done.",
    );
  });
});

describe('a development stage keeps its throttle, and a route its own', () => {
  it('sls package --stage dev says which limits the stage has', async () => {
    const { output } = await packaged(notes, 'dev');
    expect(output).toContain(
      'gantry: stage dev throttles each route at 100 requests/s, burst 200 (custom.gantry.throttle, or the default of stages that are not production stages)',
    );
    expect(output).toContain('gantry:   POST /notes: 20 requests/s, burst 40 (its own throttle)');
  });
});
