import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const script = fileURLToPath(new URL('./support/discover-in-node.mjs', import.meta.url));
// orders (this service), billing (another service: its own serverless.yml), shared (a package).
const orders = fileURLToPath(new URL('./fixtures/owners/orders/', import.meta.url));

const outDirs: string[] = [];
afterEach(async () => {
  await Promise.all(outDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

interface Discovered {
  tables?: string[];
  queues?: string[];
  problems?: string[];
  origins: Record<string, unknown>;
}

/** Discovery in a Node process of its own, as under `sls` (see the script for why). */
async function discover(handlers: string): Promise<Discovered> {
  const outDir = join(orders, '.gantry', 'discovery', `test-${randomBytes(4).toString('hex')}`);
  outDirs.push(outDir);
  const { stdout } = await run(process.execPath, [script, orders, outDir, handlers]);
  return JSON.parse(stdout) as Discovered;
}

describe('tables and queues of another service', () => {
  it("builds a service that uses its own declarations and a shared package's, each mapped to its source file", async () => {
    const found = await discover('src/ok/**/*.ts');
    expect(found.problems).toBeUndefined();
    expect(found.tables).toEqual(['orders', 'prices']);
    expect(found.queues).toEqual(['fulfilment', 'receipts']);
    // The file that called table() / queue(), not the bundle nor the module that imported it.
    expect(found.origins).toEqual({
      'table orders': { file: 'src/resources.ts', owner: { kind: 'this' } },
      'table prices': { file: '../shared/tables.ts', owner: { kind: 'package', dir: '../shared' } },
      'queue fulfilment': { file: 'src/resources.ts', owner: { kind: 'this' } },
      'queue receipts': { file: 'src/ok/orders.ts', owner: { kind: 'this' } },
    });
  });

  it('refuses @consumes, @onChange and @uses of a declaration in another service, each with the fix', async () => {
    const { problems, origins } = await discover('src/bad/*.ts');
    expect(origins['queue invoices']).toEqual({
      file: '../billing/src/resources.ts',
      owner: { kind: 'service', dir: '../billing', config: 'serverless.yml' },
    });
    const rule =
      "a table or queue belongs to the service whose folder holds the file that declares it (the nearest folder above it with a serverless config), or, when a package.json comes first, to each service that uses that package; a function uses only its own service's tables and queues, since Gantry deploys a copy of each it names as '<service>-<stage>-<name>'";
    const other = 'which belongs to another service (../billing/serverless.yml)';
    expect(problems).toEqual([
      `src/bad/payments.ts › Payments.settle: @consumes(invoices) names queue 'invoices', declared in ../billing/src/resources.ts, ${other}: ${rule}. Fix: consume it in its own service (../billing); to hand work to this service, declare a queue here and have that service send to it.`,
      `src/bad/payments.ts › Payments.audit: @onChange(ledger) names table 'ledger', declared in ../billing/src/resources.ts, ${other}: ${rule}. Fix: consume its changes in its own service (../billing), e.g. an @onChange there that sends what this service needs to a queue declared here.`,
      `src/bad/payments.ts › Payments.audit: @onChange(ledger, { onFailure: invoices }) names queue 'invoices', declared in ../billing/src/resources.ts, ${other}: ${rule}. Fix: send failed batches to a queue declared in this service.`,
      `src/bad/payments.ts › Payments.fulfil: @uses(invoices, 'send') names queue 'invoices', declared in ../billing/src/resources.ts, ${other}: ${rule}. Fix: send to a queue declared in this service and consume it here, or let that service (../billing) send to its own queue.`,
      `src/bad/payments.ts › Payments.fulfil: @uses(ledger, 'read') names table 'ledger', declared in ../billing/src/resources.ts, ${other}: ${rule}. Fix: use it from that service's own functions (../billing), e.g. have one of them send what this function needs to a queue declared in this service, and consume that here.`,
    ]);
  });
});
