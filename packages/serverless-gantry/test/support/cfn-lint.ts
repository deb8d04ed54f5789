import { spawnSync } from 'node:child_process';

/**
 * AWS's cfn-lint (1.51, preinstalled with pip on this machine image and in CI) on a template:
 * every finding, errors and warnings alike, one `file:line:col:line:col:RULE:message` per line.
 * A missing cfn-lint fails the test: the check is part of the suite, not optional.
 */
export function cfnLint(templatePath: string): { status: number | null; findings: string[] } {
  const result = spawnSync('cfn-lint', ['-f', 'parseable', templatePath], { encoding: 'utf8' });
  if (result.error)
    throw new Error(`cfn-lint could not run (${result.error.message}); install it: pip install cfn-lint`);
  const findings = result.stdout.split('\n').filter((line) => line.trim() !== '');
  return { status: result.status, findings };
}
