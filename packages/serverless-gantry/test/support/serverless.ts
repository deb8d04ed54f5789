import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { exclusivePackaging } from './service-lock.js';

const require = createRequire(import.meta.url);
/** The real Serverless CLI (osls, installed as `serverless`). */
export const SLS_BIN = join(dirname(require.resolve('serverless/package.json')), 'bin', 'serverless.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `sls <args>` in a service directory, like a user would (no TTY, CI=true). */
export function sls(cwd: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SLS_BIN, ...args], {
      cwd,
      env: { ...process.env, CI: 'true', SLS_TELEMETRY_DISABLED: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Gantry's variable that points serverless-esbuild at another work folder (src/rehearse/revision.ts). */
export const OWN_WORK_FOLDER = 'GANTRY_REHEARSAL_WORK_FOLDER';

export interface CfnTemplate {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; [key: string]: unknown }>;
  Outputs?: Record<string, unknown>;
}

/**
 * `sls package --stage <stage>` into its own folder; returns the CloudFormation template and its path.
 * It bundles in a work folder of its own too (the variable the rehearsal sets for the same reason):
 * serverless-esbuild's default `.esbuild/` is where an `sls offline` of the same service, in another
 * test file running at the same time, serves from, and packaging empties it.
 */
export async function packageService(cwd: string, stage: string) {
  const dir = `.serverless-${stage}`;
  const result = await exclusivePackaging(cwd, () =>
    sls(cwd, ['package', '--stage', stage, '--package', dir], { [OWN_WORK_FOLDER]: `${dir}-esbuild` }),
  );
  if (result.code !== 0) {
    throw new Error(`sls package --stage ${stage} failed in ${cwd}:\n${result.stdout}\n${result.stderr}`);
  }
  const path = join(cwd, dir, 'cloudformation-template-update-stack.json');
  const template = JSON.parse(await readFile(path, 'utf8')) as CfnTemplate;
  return { template, path };
}
