import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../src/manifest.js';
import { bucketIamMatrix } from './support/bucket-matrix.js';
import { resourcesOfType } from './support/cfn.js';
import { cfnLintEach } from './support/cfn-lint.js';
import { discoveredManifest } from './support/discovered-manifest.js';
import { guardIam } from './support/guard.js';
import { eventsIamMatrix, iamMatrix } from './support/iam-matrix.js';
import { startOffline } from './support/offline.js';
import { packageService, sls } from './support/serverless.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const templates = readdirSync(join(root, 'templates'));
const biome = (args: string[]) =>
  spawnSync(join(root, 'node_modules', '.bin', 'biome'), args, { cwd: root, encoding: 'utf8' });
const pnpm = (args: string[]) =>
  spawnSync('npx', ['-y', 'pnpm@12.4.2', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
  });

// A newcomer's path, with the real tools: `serverless create` from the template into the workspace,
// install, the service's own tests, then `sls package` for every stage, checked like the fixtures.
describe.each(templates)('template %s', (template) => {
  it('creates a service that installs, passes its tests and packages least-privilege for every stage', async () => {
    const app = `tmpl-${template}-${randomBytes(3).toString('hex')}`;
    const dir = join(root, 'services', app);
    const lockfile = join(root, 'pnpm-lock.yaml');
    const lock = readFileSync(lockfile, 'utf8');
    try {
      const created = await sls(root, [
        'create',
        '--template-path',
        `templates/${template}`,
        '--path',
        `services/${app}`,
        '--name',
        app,
      ]);
      expect(created.code, created.stdout + created.stderr).toBe(0);

      // Finished as created, with no edit: the repository's lint passes on it (its package.json,
      // rewritten by osls, included).
      const lint = biome(['check', `services/${app}`]);
      expect(lint.status, lint.stdout + lint.stderr).toBe(0);

      // Scripts off: the workspace packages are built already, and other tests are using them. So
      // the step of the root's postinstall that names new services runs on its own.
      const install = pnpm(['install', '--no-frozen-lockfile', '--prefer-offline', '--ignore-scripts']);
      expect(install.status, install.stdout + install.stderr).toBe(0);
      const named = pnpm(['run', 'name-services']);
      expect(named.stdout).toContain(`services/${app}/README.md: wrote the service's name and folder`);
      // The README names the new service and its folder, and nothing of the template's own.
      const readme = readFileSync(join(dir, 'README.md'), 'utf8');
      expect(readme.replace(/\s+/g, ' ')).toContain(`This is \`${app}\`, in \`services/${app}\``);
      expect(readme).toContain(`\`${app}-<stage>-`);
      expect(readme).not.toMatch(/<service>|<path>|gantry:unnamed/);
      expect(readme.replaceAll(`\`${template}\` template`, '').replaceAll(app, '')).not.toContain(template);
      const tests = pnpm(['--filter', app, 'test']);
      expect(tests.status, tests.stdout + tests.stderr).toBe(0);

      // Each stage's Manifest discovered in-process (an osls start saved per stage); the one
      // `sls gantry routes --json` prints is checked to be the same below.
      const stages = ['dev', 'staging', 'prod'];
      const manifests: Record<string, Manifest> = {};
      const templatePaths: string[] = [];
      for (const stage of stages) {
        const manifest = await discoveredManifest(dir, stage);
        manifests[stage] = manifest;
        expect(manifest.service).toBe(app);
        const { template: cfn, path } = await packageService(dir, stage);
        templatePaths.push(path);
        const { mismatches, allowed } = await iamMatrix(cfn, manifest, stage);
        expect(mismatches).toEqual([]);
        expect(allowed).toBeGreaterThan(0);
        // Queues and streams: function × queue (and its dead-letter queue) × SQS action, × stream action.
        const events = await eventsIamMatrix(cfn, manifest);
        expect(events.mismatches).toEqual([]);
        // Buckets: function × bucket × S3 action × key (and list prefix) inside and outside each prefix.
        const buckets = await bucketIamMatrix(cfn, manifest, stage);
        expect(buckets.mismatches).toEqual([]);
        expect(guardIam(path).status).toBe(0);
        for (const [, group] of resourcesOfType(cfn, 'AWS::Logs::LogGroup')) {
          expect(group.Properties?.RetentionInDays, `log retention ${stage}`).toBeGreaterThan(0);
        }
        for (const [, table] of resourcesOfType(cfn, 'AWS::DynamoDB::Table')) {
          expect(String(table.Properties?.TableName)).toMatch(new RegExp(`^${app}-${stage}-`));
          // Production keeps its data; dev is for throwing away. (Other stages: the template's choice.)
          if (stage === 'prod') {
            expect(table.DeletionPolicy).toBe('Retain');
            expect(table.Properties?.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
            expect(table.Properties?.DeletionProtectionEnabled).toBe(true);
          }
          if (stage === 'dev') expect(table.DeletionPolicy).toBe('Delete');
        }
      }
      // Every stage's template in one cfn-lint run: its start-up is most of a run's time.
      const cfnLint = cfnLintEach(templatePaths);
      stages.forEach((stage, i) => {
        expect(cfnLint.findings.get(templatePaths[i] ?? ''), `cfn-lint ${stage}`).toEqual([]);
      });
      expect(cfnLint.status, 'cfn-lint').toBe(0);

      // `sls offline` in the new service serves every route: no 5xx, no bundle that fails to load
      // (serverless-offline answers those with 200 and an `errorMessage`).
      const routes = await sls(dir, ['gantry', 'routes', '--json']);
      const manifest = JSON.parse(routes.stdout) as Manifest;
      // The default stage is dev: the Manifest the templates above were checked against.
      expect(manifest).toEqual(manifests.dev);
      const offline = await startOffline(dir);
      try {
        expect(offline.output()).toMatch(/DynamoDB \(local, IAM enforced\): http:\/\/127\.0\.0\.1:\d+/);
        for (const route of manifest.functions.flatMap((f) => f.routes)) {
          const path = route.path.replace(/\{[^}]+\}/g, 'placeholder');
          const method = route.method === 'ANY' ? 'GET' : route.method;
          const response = await fetch(`${offline.url}${path}`, { method });
          const body = await response.text();
          expect(response.status, `${method} ${path}: ${body}`).toBeLessThan(500);
          expect(body, `${method} ${path}`).not.toContain('errorMessage');
          // A page built from TypeScript in the created service's own build: its script holds the
          // routes of this service's Manifest (gantry:routes), not a copy made elsewhere.
          if (body.includes('<script type="module">')) {
            for (const served of manifest.functions.flatMap((f) => f.routes))
              expect(body).toContain(`"${served.path}"`);
          }
        }
      } finally {
        await offline.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      writeFileSync(lockfile, lock);
    }
  });
});
