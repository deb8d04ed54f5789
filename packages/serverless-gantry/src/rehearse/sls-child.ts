import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface SlsResult {
  code: number | null;
  output: string;
}

/** Dummy credentials: moto accepts any, and a rehearsal never reaches AWS. */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'gantryrehearsal', secretAccessKey: 'gantryrehearsal' };

/**
 * The environment of every AWS call of a rehearsal: all AWS SDK v3 clients (osls's included) go to
 * the emulator through AWS_ENDPOINT_URL, with dummy credentials. Every variable that could lead the
 * SDK to the user's real credentials or to another endpoint is dropped.
 */
export function emulatorEnvironment(endpoint: string, region: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('AWS_')) env[name] = value;
  return {
    ...env,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    // No profile file may add credentials, SSO or a role to assume.
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    SLS_TELEMETRY_DISABLED: '1',
    CI: 'true',
    // How long osls waits before each look at a stack or change set it waits for: 5 s by default, for
    // AWS. The emulator has done the work by the time it answers, so the default only added ≈ 25 s of
    // sleep to each rehearsal (two deploys and a remove).
    SLS_AWS_MONITORING_FREQUENCY: '200',
  };
}

/** The Serverless CLI the service itself runs (osls, installed as `serverless`). */
function slsBin(serviceDir: string): string {
  const require = createRequire(join(serviceDir, 'package.json'));
  return join(dirname(require.resolve('serverless/package.json')), 'bin', 'serverless.js');
}

/** Runs `sls <args>` in the service against the emulator; output is collected and, if asked, echoed. */
export function runSls(
  serviceDir: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  echo?: (chunk: string) => void,
): Promise<SlsResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [slsBin(serviceDir), ...args], {
      cwd: serviceDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk;
      echo?.(chunk.toString());
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}
