import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { SLS_BIN } from './serverless.js';

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface OfflineRun {
  url: string;
  /** serverless-offline's Lambda port (its Invoke API), for `sls gantry invoke --lambdaPort`. */
  lambdaPort: number;
  output: () => string;
  stop: () => Promise<void>;
  /** Waits until the output matches (e.g. a line Gantry prints at start, once it serves). */
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<RegExpExecArray>;
  /** Resolves with the sls process's exit code when it exits. */
  exited: Promise<number | null>;
  /** Sends a signal to the sls process (e.g. SIGKILL, to test a crash). */
  kill: (signal: NodeJS.Signals) => void;
}

/** Starts the real `sls offline` (with `args` added) on free loopback ports and waits until it serves. */
export async function startOffline(cwd: string, args: string[] = [], timeoutMs = 180_000): Promise<OfflineRun> {
  const [httpPort, lambdaPort] = [await freePort(), await freePort()];
  const child: ChildProcess = spawn(
    process.execPath,
    [
      SLS_BIN,
      'offline',
      '--host',
      '127.0.0.1',
      '--httpPort',
      String(httpPort),
      '--lambdaPort',
      String(lambdaPort),
      ...args,
    ],
    { cwd, env: { ...process.env, CI: 'true', SLS_TELEMETRY_DISABLED: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGINT');
      setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
    });
  const deadline = Date.now() + timeoutMs;
  // Gantry's `Ready: <service>, stage …` opens the lines it prints, in one piece, once serverless-offline serves.
  while (!/^Ready: /m.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`sls offline did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const waitFor = async (pattern: RegExp, waitMs = 60_000) => {
    const until = Date.now() + waitMs;
    for (;;) {
      const match = pattern.exec(output);
      if (match) return match;
      if (Date.now() > until) throw new Error(`sls offline never printed ${pattern}:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return {
    url: `http://127.0.0.1:${httpPort}`,
    lambdaPort,
    output: () => output,
    waitFor,
    stop,
    exited,
    kill: (signal) => child.kill(signal),
  };
}
