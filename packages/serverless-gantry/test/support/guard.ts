import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const packageDir = dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json'));
const arch = process.arch === 'arm64' ? 'aarch64' : 'x86_64';
/** cfn-guard 3, as shipped in @cdklabs/cdk-validator-cfnguard (used for the binary and its rules only). */
const GUARD = join(packageDir, 'bin', process.platform === 'darwin' ? 'macos' : 'ubuntu', arch, 'cfn-guard');
const CONTROL_TOWER_IAM = join(packageDir, 'rules/control-tower/cfn-guard/identityandaccessmanagement');
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
