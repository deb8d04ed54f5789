import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const packageDir = dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json'));
const arch = process.arch === 'arm64' ? 'aarch64' : 'x86_64';
/** cfn-guard 3, as shipped in @cdklabs/cdk-validator-cfnguard (used for the binary and its rules only). */
const GUARD = join(packageDir, 'bin', process.platform === 'darwin' ? 'macos' : 'ubuntu', arch, 'cfn-guard');
const CONTROL_TOWER = join(packageDir, 'rules/control-tower/cfn-guard');
const CONTROL_TOWER_IAM = join(CONTROL_TOWER, 'identityandaccessmanagement');
const NO_WILDCARDS = join(dirname(fileURLToPath(import.meta.url)), '..', 'guard', 'no-wildcards.guard');

/**
 * Validates a CloudFormation template with AWS Control Tower's IAM rules (CT.IAM.PR.1–5) and our
 * no-wildcards rule. Exit status: 0 all pass, 19 a rule failed; anything else is a usage error.
 */
export function guardIam(templatePath: string): { status: number | null; output: string } {
  const result = spawnSync(
    GUARD,
    [
      'validate',
      '--rules',
      CONTROL_TOWER_IAM,
      '--rules',
      NO_WILDCARDS,
      '--data',
      templatePath,
      '--show-summary',
      'fail',
    ],
    { encoding: 'utf8' },
  );
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** A Control Tower control that a template fails, and the resources that fail it. */
export interface ControlFailure {
  /** The control's ID, e.g. `CT.S3.PR.1` (from the rule's message), else the guard rule's name. */
  control: string;
  /** The guard rule's name, e.g. `s3_bucket_level_public_access_prohibited_check`. */
  rule: string;
  /** Logical IDs of the failing resources, sorted. */
  resources: string[];
}

/**
 * Runs every rule of AWS Control Tower's proactive controls (every .guard file under
 * rules/control-tower/cfn-guard: 39 services) over a template and returns the controls it fails,
 * sorted by control. cfn-guard's structured JSON lists, per data file, the failing rules with their
 * clauses; each clause names the template path it checked (`/Resources/<id>/...`) and its message
 * names the control (`[CT.S3.PR.1]`).
 */
export function controlTowerFailures(templatePath: string): ControlFailure[] {
  const result = spawnSync(
    GUARD,
    [
      'validate',
      '--rules',
      CONTROL_TOWER,
      '--data',
      templatePath,
      '--structured',
      '--output-format',
      'json',
      '--show-summary',
      'none',
    ],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  if (result.error) throw result.error;
  // 0: every rule passes or skips; 19: some rule fails. Anything else is a usage or parse error.
  if (result.status !== 0 && result.status !== 19) {
    throw new Error(`cfn-guard exited ${result.status}: ${result.stderr}${result.stdout.slice(0, 2000)}`);
  }
  const reports = JSON.parse(result.stdout) as { not_compliant: { Rule: { name: string } }[] }[];
  const byControl = new Map<string, ControlFailure>();
  for (const failed of reports.flatMap((report) => report.not_compliant)) {
    const control = [...strings(failed, 'custom_message')]
      .map((message) => /\[(CT\.[A-Z0-9]+\.PR\.\d+)\]/.exec(message)?.[1])
      .find((id) => id !== undefined);
    const key = control ?? failed.Rule.name;
    const entry = byControl.get(key) ?? { control: key, rule: failed.Rule.name, resources: [] };
    for (const path of strings(failed, 'path')) {
      const id = /^\/Resources\/([^/]+)/.exec(path)?.[1];
      if (id && !entry.resources.includes(id)) entry.resources.push(id);
    }
    entry.resources.sort();
    byControl.set(key, entry);
  }
  return [...byControl.values()].sort((a, b) => a.control.localeCompare(b.control, 'en', { numeric: true }));
}

/** Every string value under `key`, anywhere in a parsed JSON value. */
function* strings(value: unknown, key: string): Generator<string> {
  if (Array.isArray(value)) {
    for (const item of value) yield* strings(item, key);
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, inner] of Object.entries(value)) {
      if (k === key && typeof inner === 'string') yield inner;
      else yield* strings(inner, key);
    }
  }
}
