import { checkEmf } from './emf-check.js';

/**
 * Under `sls offline`: checks every Embedded Metric Format line a function prints (its threads'
 * output is piped into this process's stdout, chunk by chunk) and warns, below it, about a line
 * CloudWatch would drop, so a metric that would be lost once deployed shows while developing. The
 * kit's own request lines are printed in their short form and carry no JSON; their metrics are
 * checked by the kit where the function adds them (`MetricsError`), and the testing helper checks
 * the kit's full lines. A wrapper of `write` is the one place every function's output passes.
 * Returns what puts `write` back.
 */
export function warnAboutDroppedMetrics(
  warn: (line: string) => void,
  stdout: NodeJS.WritableStream = process.stdout,
): () => void {
  const original = stdout.write;
  let rest = '';
  const write = function (this: unknown, chunk: unknown, ...args: unknown[]) {
    const result = (original as (...a: unknown[]) => boolean).call(this, chunk, ...args);
    const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString() : '';
    const lines = (rest + text).split('\n');
    rest = (lines.pop() ?? '').slice(-1_000_000); // a line without its end yet, bounded
    for (const line of lines) {
      if (!line.includes('"_aws"')) continue;
      const { problems } = checkEmf(line);
      if (problems.length > 0)
        warn(`gantry: CloudWatch would drop the metrics of the line above: ${problems.join('; ')}`);
    }
    return result;
  };
  stdout.write = write as typeof stdout.write;
  return () => {
    if (stdout.write === write) stdout.write = original;
  };
}
