import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The launcher shipped with the plugin: moto_server with Gantry's bridges (each names its gap). */
export const LAUNCHER = fileURLToPath(new URL('../../emulator/moto-with-bridges.py', import.meta.url));
export const INSTALL_HINT = "pip install 'moto[server]' cfn-lint";

export interface Emulator {
  endpoint: string;
  /** Turns moto's IAM enforcement on (every call then needs credentials moto's IAM allows) or off. */
  enforceIam(on: boolean): Promise<void>;
  stop(): Promise<void>;
}

/** Why the emulator cannot run here, with the install command; undefined when it can. */
export function emulatorMissing(python = 'python3'): string | undefined {
  const probe = spawnSync(python, ['-c', 'import moto, flask, cfnlint; print(moto.__version__)'], { encoding: 'utf8' });
  if (probe.error)
    return `gantry rehearse needs Python 3 (${python}: ${probe.error.message}) with moto: ${INSTALL_HINT}`;
  if (probe.status !== 0)
    return `gantry rehearse needs moto's server (moto[server]) and cfn-lint in ${python}: ${INSTALL_HINT}`;
  return undefined;
}

/** A free loopback port: the OS picks one for a moment, then it is handed to moto. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('gantry rehearse: no free loopback port');
  return address.port;
}

/** Starts moto with the bridges on 127.0.0.1 and resolves once it answers. */
export async function startEmulator(options: { python?: string; readyTimeoutMs?: number } = {}): Promise<Emulator> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(options.python ?? 'python3', [LAUNCHER, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    // moto logs every request on stderr: keep the tail, for a failure message only.
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const deadline = Date.now() + (options.readyTimeoutMs ?? 120_000);
  for (;;) {
    const up = await fetch(`${endpoint}/moto-api/`).then(
      (response) => response.ok,
      () => false,
    );
    if (up) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill();
      throw new Error(`gantry rehearse: the emulator did not start on ${endpoint}:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    endpoint,
    enforceIam: (on) => setEnforcement(endpoint, on),
    stop: () => stopChild(child, exited),
  };
}

async function setEnforcement(endpoint: string, on: boolean): Promise<void> {
  // moto counts requests before it starts checking; 0 checks from now on, infinity never.
  const response = await fetch(`${endpoint}/moto-api/reset-auth`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: on ? '0' : 'inf',
  });
  if (!response.ok) throw new Error(`gantry rehearse: moto refused to switch IAM enforcement (${response.status})`);
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await exited;
}
