import { spawnSync } from 'node:child_process';

/**
 * AWS's cfn-lint (1.51, preinstalled with pip on this machine image and in CI) on a template:
 * every finding, errors and warnings alike, one `file:line:col:line:col:RULE:message` per line.
 * A missing cfn-lint fails the test: the check is part of the suite, not optional.
 */
export function cfnLint(templatePath: string): { status: number | null; findings: string[] } {
  const { status, findings } = cfnLintEach([templatePath]);
  return { status, findings: findings.get(templatePath) ?? [] };
}

/**
 * cfn-lint on several templates in one run (its start-up, ≈ 2 s of CPU, is most of a run's time):
 * each template's findings, and the run's exit status, which is 0 only when no template has any.
 * A line that names none of the templates (cfn-lint's own problem, e.g. a file it cannot read) is
 * counted as every template's finding, so no template passes with it.
 */
export function cfnLintEach(templatePaths: string[]): { status: number | null; findings: Map<string, string[]> } {
  const result = spawnSync('cfn-lint', ['-f', 'parseable', ...templatePaths], { encoding: 'utf8' });
  if (result.error)
    throw new Error(`cfn-lint could not run (${result.error.message}); install it: pip install cfn-lint`);
  const lines = result.stdout.split('\n').filter((line) => line.trim() !== '');
  const named = (path: string) => lines.filter((line) => line.startsWith(`${path}:`));
  const unnamed = lines.filter((line) => !templatePaths.some((path) => line.startsWith(`${path}:`)));
  return {
    status: result.status,
    findings: new Map(templatePaths.map((path) => [path, [...named(path), ...unnamed]])),
  };
}
