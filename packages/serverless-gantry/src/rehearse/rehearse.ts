import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { GantryError } from '../errors.js';
import { emulatorClients } from './aws-clients.js';
import { type Check, fail, pass, probe } from './check.js';
import { checkLeastPrivilege } from './check-least-privilege.js';
import { checkRemoved } from './check-removed.js';
import { checkLogGroups, checkStack } from './check-stack.js';
import { type Emulator, emulatorMissing, startEmulator } from './emulator.js';
import type { Expected } from './expected.js';
import { REVISION_VARIABLE, WORK_FOLDER_VARIABLE } from './revision.js';
import { emulatorEnvironment, runSls } from './sls-child.js';

export interface RehearsalInput {
  serviceDir: string;
  expected: Expected;
  /** Options passed on to every `sls` command (`--config`, `--region`). */
  slsArgs: string[];
  /** Each check as it is made, and each step's timing. */
  report: (line: string) => void;
}

export interface Rehearsal {
  checks: Check[];
  ok: boolean;
  /** Seconds per step (deploy, checks, update, info, remove) and in all. */
  seconds: Record<string, number>;
}

/** The emulator (Python with moto's server) is not installed: the message holds the install command. */
export class GantryEmulatorMissingError extends GantryError {
  override name = 'GantryEmulatorMissingError';
}

/**
 * A deploy rehearsal: the real `sls deploy` of one stage to a local AWS emulator (moto, with
 * Gantry's bridges), then what exists is checked against the Manifest; a second deploy (an update),
 * `sls info`, `sls remove`, and what is left. Nothing reaches AWS: every call goes to the emulator
 * with dummy credentials.
 */
export async function rehearse(input: RehearsalInput): Promise<Rehearsal> {
  // The Python that has moto: `python3` on PATH, or GANTRY_PYTHON (a virtualenv's, say).
  const python = process.env.GANTRY_PYTHON || 'python3';
  const missing = emulatorMissing(python);
  if (missing) throw new GantryEmulatorMissingError(missing);
  const { expected, report } = input;
  const checks: Check[] = [];
  const seconds: Record<string, number> = {};
  const started = performance.now();
  const add = (list: Check[]) => {
    for (const check of list) {
      checks.push(check);
      report(line(check));
    }
  };
  const cleanups: (() => Promise<void>)[] = [];
  const emulator = await startEmulator({ python });
  try {
    report(`emulator: moto with Gantry's bridges on ${emulator.endpoint}`);
    const env = emulatorEnvironment(emulator.endpoint, expected.region);
    const aws = emulatorClients(emulator.endpoint, expected.region);
    const sls = async (step: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}) => {
      const at = performance.now();
      const result = await runSls(input.serviceDir, [...args, '--stage', expected.manifest.stage, ...input.slsArgs], {
        ...env,
        ...extraEnv,
      });
      seconds[step] = round(performance.now() - at);
      const ok = result.code === 0;
      // Named without the temporary package folder, so the lines read the same on every run.
      const command = `sls ${args.filter((arg, i) => arg !== '--package' && args[i - 1] !== '--package').join(' ')}`;
      add([ok ? pass(`${command} (${seconds[step]} s)`) : fail(command, tail(result.output))]);
      return { ok, output: result.output };
    };

    // Packaged into a folder of the rehearsal's own, bundled in a work folder of its own: a
    // rehearsal never touches `.serverless/` or `.esbuild/`, which a running `sls offline` or
    // `sls package` of the same service uses (serverless-esbuild deletes its work folder after packaging).
    const artifacts = await mkdtemp(join(tmpdir(), 'gantry-rehearsal-'));
    const isolated = { [WORK_FOLDER_VARIABLE]: `.esbuild-rehearsal-${process.pid}` };
    const deploy = async (step: string, extraEnv: NodeJS.ProcessEnv = {}) =>
      (await sls(`${step} (package)`, ['package', '--package', artifacts], { ...isolated, ...extraEnv })).ok &&
      (await sls(step, ['deploy', '--package', artifacts], { ...isolated, ...extraEnv })).ok;
    cleanups.push(() => rm(artifacts, { recursive: true, force: true }));

    if (!(await deploy('deploy'))) return done();
    let at = performance.now();
    add(await checkStack(aws, expected));
    add(await checkLogGroups(aws, expected));
    const bucket = await stackOutput(aws, expected.stackName, 'ServerlessDeploymentBucketName');
    add(
      bucket
        ? await checkLeastPrivilege(aws, emulator, expected, input.serviceDir, bucket)
        : [fail('least privilege', 'the stack has no ServerlessDeploymentBucketName output')],
    );
    seconds.checks = round(performance.now() - at);

    if (!(await deploy('update', { [REVISION_VARIABLE]: '2' }))) return done();
    at = performance.now();
    add(await checkRevision(aws, expected, '2'));
    add((await checkStack(aws, expected)).map((c) => ({ ...c, name: `after update: ${c.name}` })));
    seconds['update checks'] = round(performance.now() - at);

    const info = await sls('info', ['info', '--verbose']);
    if (info.ok) {
      add([
        info.output.includes(expected.stackName)
          ? pass(`sls info names the stack ${expected.stackName}`)
          : fail('sls info', `does not name the stack ${expected.stackName}`),
      ]);
    }
    if (!(await sls('remove', ['remove'])).ok) return done();
    add(await checkRemoved(aws, expected));
    return done();
  } finally {
    await stopQuietly(emulator);
    for (const cleanup of cleanups) await cleanup();
  }

  function done(): Rehearsal {
    seconds.total = round(performance.now() - started);
    return { checks, ok: checks.some((c) => !c.note) && checks.every((c) => c.ok), seconds };
  }
}

async function checkRevision(aws: ReturnType<typeof emulatorClients>, expected: Expected, revision: string) {
  const checks: Check[] = [];
  for (const fn of expected.manifest.functions) {
    const name = (expected.fragment.functions[fn.name] as { name: string }).name;
    checks.push(
      ...(await probe(`after update: function ${name}`, async () => {
        const config = await aws.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
        const value = config.Environment?.Variables?.[REVISION_VARIABLE];
        return value === revision
          ? pass(`after update: function ${name} runs the new revision`)
          : fail(`after update: function ${name}`, `${REVISION_VARIABLE} is ${value ?? 'unset'}, not ${revision}`);
      })),
    );
  }
  return checks;
}

async function stackOutput(aws: ReturnType<typeof emulatorClients>, stackName: string, key: string) {
  const stack = (await aws.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
  return stack?.Outputs?.find((o) => o.OutputKey === key)?.OutputValue;
}

async function stopQuietly(emulator: Emulator): Promise<void> {
  await emulator.stop().catch(() => undefined);
}

/** One line per check: ✔ or ✘, the check, and what was found when it fails; – for a note. */
export function line(check: Check): string {
  if (check.note) return `– ${check.name}`;
  return `${check.ok ? '✔' : '✘'} ${check.name}${check.ok ? '' : `: ${check.detail ?? ''}`}`;
}

export function summary(rehearsal: Rehearsal, stage: string): string {
  const checks = rehearsal.checks.filter((c) => !c.note);
  const failed = checks.filter((c) => !c.ok).length;
  return `gantry rehearse --stage ${stage}: ${checks.length - failed} of ${checks.length} checks hold${failed ? `, ${failed} failed` : ''} (${rehearsal.seconds.total} s)`;
}

const round = (ms: number) => Math.round(ms / 100) / 10;

/** The end of a failed command's output: where osls says what went wrong (warnings dropped). */
function tail(output: string): string {
  const lines = output
    .split('\n')
    .filter(
      (l) =>
        l.trim() &&
        !/NodeVersionSupportWarning|node >=22|a\.co\/|--trace-warnings|continue receiving|published after/.test(l),
    );
  return lines.slice(-12).join('\n    ');
}
