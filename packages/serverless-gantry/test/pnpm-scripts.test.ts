import { type ChildProcess, spawn } from 'node:child_process';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `npm start` runs `pnpm run offline`. Ctrl-C sends SIGINT to the whole process group: sls offline
// stops cleanly and exits 0, but under `sh -c` the shell dies of the signal and pnpm printed
// "ELIFECYCLE Command failed". The workspace's pnpm settings (shellEmulator) decide which shell runs
// scripts: this runs the real pnpm with them on a script that, like sls offline, stops cleanly.
const workspaceYaml = fileURLToPath(new URL('../../../pnpm-workspace.yaml', import.meta.url));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gantry-pnpm-'));
  await copyFile(workspaceYaml, join(dir, 'pnpm-workspace.yaml'));
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'stop-cleanly', private: true, scripts: { serve: 'node serve.mjs' } }),
  );
  await writeFile(
    join(dir, 'serve.mjs'),
    "process.on('SIGINT', () => { console.log('stopped'); process.exit(0); });\nconsole.log('serving');\nsetInterval(() => {}, 1000);\n",
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("the workspace's pnpm scripts", () => {
  it('Ctrl-C on a script that stops cleanly prints no "Command failed"', async () => {
    // Its own process group, as a terminal's foreground job: Ctrl-C signals every process in it.
    const child: ChildProcess = spawn('npx', ['-y', 'pnpm@12.4.2', 'run', 'serve'], {
      cwd: dir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      const deadline = Date.now() + 120_000;
      while (!output.includes('serving') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(output).toContain('serving');
      process.kill(-(child.pid as number), 'SIGINT');
      await exited;
    } finally {
      if (child.exitCode === null && child.signalCode === null) process.kill(-(child.pid as number), 'SIGKILL');
    }
    expect(output).toContain('stopped');
    expect(output).not.toContain('Command failed');
  }, 180_000);
});
