import type { CapacityReport } from './capacity-model.js';

/** A number for people: whole above 100, else up to 2 decimals; thousands separated. */
export function formatNumber(value: number): string {
  if (value > 0 && value < 0.005) return '<0.01';
  const digits = Math.abs(value) >= 100 || value === 0 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

const usd = (value: number) =>
  `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const percent = (share: number) => `${formatNumber(share * 100)}%`;

/** Columns padded to their widest cell. */
function table(rows: string[][], indent = '  '): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => row[i]?.length ?? 0))) ?? [];
  return rows.map((row) => `${indent}${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd());
}

function keyText(k: CapacityReport['tables'][number]['keys'][number]): string {
  if (k.spread === 'few-values') return `${k.reason} (see the limits)`;
  const part = (what: string, share: number) =>
    share >= 1 ? `one value could take all the ${what}` : `one value throttles past ${percent(share)} of the ${what}`;
  const generic = k.spread === 'generic' ? `; ${k.reason}` : '';
  return `${part('reads', k.hotAbove.reads)}, ${part('writes', k.hotAbove.writes)}${generic}`;
}

/** `sls gantry capacity` without `--json`. */
export function capacityText(report: CapacityReport): string {
  const a = report.assumptions;
  const lines: string[] = [];
  lines.push(
    `gantry capacity: ${report.service}, stage ${report.stage} (${report.region}), at ${formatNumber(a.rps)} requests/s`,
    '',
    `Assumed (docs/scale.md): requests spread evenly over the routes unless --route gives one's rate; each function runs ${
      a.durationMs === null
        ? 'a tenth of its timeout (pessimistic: give --duration-ms a measured average, CloudWatch Duration)'
        : `${formatNumber(a.durationMs)} ms (--duration-ms)`
    } per request or record; per request or record, ${formatNumber(a.readUnitsPerUse)} read unit per read use and ${formatNumber(a.writeUnitsPerUse)} write unit per write use of a table (--reads, --writes), a write as much again per index; one message per send; full batches.`,
  );

  if (report.routes.length > 0) {
    lines.push('', 'Routes');
    lines.push(
      ...table([
        ['route', 'requests/s', 'limit'],
        ...report.routes.map((r) => [
          r.key,
          formatNumber(r.requestsPerSecond),
          `${formatNumber(r.throttle.rate)}/s, burst ${formatNumber(r.throttle.burst)} (${
            r.throttle.from === 'route' ? 'its own' : r.throttle.from === 'stage' ? "the stage's" : "the account's"
          })`,
        ]),
      ]),
    );
  }

  lines.push('', 'Functions');
  lines.push(
    ...table([
      ['function', 'runs on', 'memory', 'duration', 'invocations/s', 'concurrency', 'limit'],
      ...report.functions.map((f) => [
        f.name,
        f.runsOn.join(', '),
        `${f.memoryMb} MB`,
        `${formatNumber(f.durationMs)} ms`,
        formatNumber(f.invocationsPerSecond),
        formatNumber(f.concurrency),
        f.reservedConcurrency !== undefined ? `${f.reservedConcurrency} reserved` : 'pool',
      ]),
    ]),
  );
  const c = report.concurrency;
  lines.push(
    `  Lambda concurrency: ${formatNumber(c.unreservedNeeded)} of the unreserved pool's ${formatNumber(c.unreservedPool)} (account ${formatNumber(c.account)}, reserved ${formatNumber(c.reserved)})`,
  );

  if (report.tables.length > 0) {
    lines.push('', 'Tables (on demand; per partition key value at most 3,000 reads and 1,000 writes a second)');
    const rows = [['table / key', 'reads RRU/s', 'writes WRU/s', 'design']];
    for (const t of report.tables) {
      const indexNames = t.keys.flatMap((k) => (k.index ? [k.index] : []));
      rows.push([
        t.name,
        formatNumber(t.readUnitsPerSecond),
        `${formatNumber(t.writeUnitsPerSecond)}${indexNames.length > 0 ? ` + ${formatNumber(t.writeUnitsPerSecond)} for each index (${indexNames.join(', ')})` : ''}`,
        '',
      ]);
      for (const k of t.keys)
        rows.push([`  ${k.index ? `index ${k.index}: ` : ''}${k.partitionKey}`, '', '', keyText(k)]);
    }
    lines.push(...table(rows));
  }

  if (report.queues.length > 0) {
    lines.push('', 'Queues');
    lines.push(
      ...table([
        ['queue', 'messages/s', 'from'],
        ...report.queues.map((q) => [
          `${q.name}${q.fifo ? ' (FIFO)' : ''}`,
          formatNumber(q.messagesPerSecond),
          q.from === 'option' ? '--queue' : 'its senders',
        ]),
      ]),
    );
  }

  const reached = report.limits.filter((l) => l.reachedAtRps !== null);
  lines.push('', 'Limits, first reached first (as every route grows at the same pace)');
  reached.slice(0, 6).forEach((l, i) => {
    const passed = l.atThisLoad > l.capacity ? ', passed at this load' : '';
    const when =
      l.reachedAtRps === 0 ? 'passed already' : `reached at ${formatNumber(l.reachedAtRps ?? 0)} requests/s${passed}`;
    lines.push(
      `  ${i + 1}. ${l.limit}: ${formatNumber(l.atThisLoad)} of ${formatNumber(l.capacity)} ${l.unit}, ${when}`,
      `     past it: ${l.answer}`,
    );
  });
  if (reached.length > 6) lines.push(`  … ${reached.length - 6} more in --json`);

  lines.push(
    '',
    `Monthly cost (${a.hoursPerMonth} hours; ${report.cost.pricesRegion} prices as of ${report.cost.pricesAsOf}, before free tiers; ${a.architecture})`,
  );
  lines.push(
    ...table([
      ...report.cost.lines.map((l) => [l.item, `${formatNumber(l.quantity)} ${l.unit}`, usd(l.usd)]),
      ['Total', '', usd(report.cost.totalUsd)],
    ]),
  );
  lines.push(
    '  Not counted: data transfer out, Cognito (per monthly active user), CloudWatch Logs storage and your own log lines, SQS pollers waiting on an empty queue, free tiers.',
  );
  if (report.notes.length > 0) lines.push('', 'Notes', ...report.notes.map((n) => `  - ${n}`));
  return `${lines.join('\n')}\n`;
}
