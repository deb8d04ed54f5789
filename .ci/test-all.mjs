#!/usr/bin/env node
// Every test suite of the repository in one run: each workspace package and service with a `test`
// script, and each template. A failing suite never stops the others. Suites run a few at a time
// (GANTRY_TEST_CONCURRENCY, default 2: most of the time goes to child processes, `sls package` and
// `sls offline`, waiting on each other; default 3); each suite's output is printed whole when it ends, and the
// run ends with one line, `N passed, N failed` (tests), exiting 1 if anything failed.
// `node .ci/test-all.mjs packages/middy templates` runs only the suites whose names start so.
//
// Written by hand: `pnpm -r` stops at the first failing package (and `--no-bail` still sums
// nothing), and vitest's projects cannot hold the created services, which are workspace packages
// of their own with their own dependencies.
//
// Every suite runs on the Node major of the root service's `provider.runtime` (nodejs22.x), whatever
// Node started this script: the testing helper runs each function on a thread of the test's own
// process, so the test runner's Node is the functions' Node, as Lambda's and `sls offline`'s is.
// The Node is the one `sls offline` uses (serverless-gantry's runtime-node: $GANTRY_NODE_BINARY, or
// Node's own build from the npm registry, downloaded once into ~/.cache/gantry/node/); its folder
// comes first on the suites' PATH, so vitest, npx and pnpm, and every `node` they start, run on it.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { currentMajor, findNode, runtimeMajor } from '../packages/serverless-gantry/dist/offline/run/runtime-node.js';
import { readProviderRuntime } from '../packages/serverless-gantry/dist/testing/service-config.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const reports = mkdtempSync(join(tmpdir(), 'gantry-tests-'));
const concurrency = Math.max(1, Number(process.env.GANTRY_TEST_CONCURRENCY ?? 3));

/**
 * Test files of a package run as a suite of their own, beside the package's other files: vitest runs
 * one file at a time on a 2-core machine (its default, cores − 1 workers), and serverless-gantry's
 * files take ≈ 18 minutes of one core's time, mostly waiting on child processes (`sls package`,
 * `sls offline`, moto). The split suite holds the files that package services and deploy them to
 * moto: the deploy rehearsals, `sls package` of the fixtures, the capacity and Control Tower checks
 * (≈ 45% of the package's time), and the starter's Chromium test (≈ 70 s, which evens the two out:
 * it runs the root service under `sls offline`, whose .esbuild/ no packaging touches). They share no
 * folder with the other files' runs: a rehearsal
 * packages into a temp folder and bundles into a folder of its own process (src/rehearse/revision.ts),
 * and two packagings of one service folder wait for each other (test/support/service-lock.ts). The
 * files that create services in the workspace and install them (templates, README commands) stay
 * together in the other suite: two pnpm installs at once would race on node_modules. Longest suites
 * first, so the short ones fill in around them.
 */
const SPLIT_SUITES = [
  {
    package: 'packages/serverless-gantry',
    name: 'packaging, deploy rehearsals and the starter in Chromium',
    files: ['test/rehearse', 'test/package.e2e', 'test/capacity.e2e', 'test/control-tower.e2e', 'test/tasks-app.e2e'],
  },
];

/** The environment of every suite: the runtime's Node first on PATH. */
async function runtimeNodeEnvironment() {
  const runtime = await readProviderRuntime(root);
  const major = runtimeMajor(runtime);
  if (major === undefined || major === currentMajor()) {
    console.log(`Tests run on Node ${process.versions.node} (provider.runtime ${runtime})`);
    return process.env;
  }
  const { binary, version } = findNode(major, (line) => console.log(line));
  console.log(`Tests run on Node ${version} (provider.runtime ${runtime}; this script on ${process.versions.node})`);
  // GANTRY_STARTED_ON_NODE: a test can still start a command on the Node this run was started on.
  // NODE_DISABLE_COMPILE_CACHE: npm 11 turns on Node's compile cache, which Node 22 keeps in the OS
  // temp folder (`node-compile-cache`); the tests' npx and pnpm calls would leave it there.
  return {
    ...process.env,
    PATH: `${dirname(binary)}${delimiter}${process.env.PATH ?? ''}`,
    GANTRY_STARTED_ON_NODE: process.execPath,
    NODE_DISABLE_COMPILE_CACHE: '1',
  };
}
const suiteEnvironment = await runtimeNodeEnvironment();

/** Folders matched by the workspace globs (`dir/*` only, the form pnpm-workspace.yaml uses here). */
function workspaceFolders() {
  const globs = [
    ...readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8').matchAll(/^\s+-\s+"?([\w./-]+)\/\*"?\s*$/gm),
  ];
  return globs.flatMap(([, dir]) =>
    existsSync(join(root, dir))
      ? readdirSync(join(root, dir), { withFileTypes: true })
          .filter((entry) => entry.isDirectory())
          .map((entry) => join(root, dir, entry.name))
      : [],
  );
}

/** A suite: a name, where it runs, and its command. vitest suites also write a JSON report. */
function suites() {
  const list = [];
  for (const dir of workspaceFolders()) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const script = JSON.parse(readFileSync(file, 'utf8')).scripts?.test;
    if (!script) continue;
    const name = relative(root, dir);
    // The package's own vitest, else the root's (as pnpm's PATH for scripts would find it).
    const vitest = [dir, root].map((d) => join(d, 'node_modules', '.bin', 'vitest')).find((bin) => existsSync(bin));
    if (!(/^vitest run(\s|$)/.test(script) && vitest)) {
      list.push({ name, cwd: dir, bin: 'npx', args: ['-y', 'pnpm@12.4.2', 'run', 'test'], plain: true });
      continue;
    }
    const args = script.split(/\s+/).slice(1);
    const splits = SPLIT_SUITES.filter((split) => split.package === name);
    for (const split of splits) {
      list.push({
        name: `${name} (${split.name})`,
        cwd: dir,
        bin: vitest,
        args: [...args, ...split.files],
        long: true,
      });
    }
    const excluded = splits.flatMap((split) => split.files.flatMap((prefix) => ['--exclude', `${prefix}*`]));
    list.push({ name, cwd: dir, bin: vitest, args: [...args, ...excluded], long: splits.length > 0 });
  }
  // Templates are not workspace packages: their tests run with the root's dependencies.
  for (const template of readdirSync(join(root, 'templates'))) {
    list.push({
      name: `templates/${template}`,
      cwd: root,
      bin: join(root, 'node_modules', '.bin', 'vitest'),
      args: ['run', '--root', `templates/${template}`],
    });
  }
  return list.sort((a, b) => Number(b.long ?? false) - Number(a.long ?? false));
}

/** Runs one suite with its output kept; resolves with its counts. */
function run(suite) {
  const report = join(reports, `${suite.name.replaceAll(/[^\w.-]+/g, '_')}.json`);
  const args = suite.plain
    ? suite.args
    : [...suite.args, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`];
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(suite.bin, args, {
      cwd: suite.cwd,
      // Output is kept and printed later: colours only when this run prints to a terminal.
      env: process.stdout.isTTY ? suiteEnvironment : { ...suiteEnvironment, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', (error) => {
      output += `\n${error.message}\n`;
    });
    child.on('close', (code) => {
      const counts = countsOf(report, code);
      resolve({ suite, code, output, counts, seconds: Math.round((Date.now() - started) / 1000) });
    });
  });
}

/** Passed and failed tests from vitest's JSON report; a suite that ended badly without one counts as one failure. */
function countsOf(report, code) {
  if (!existsSync(report)) return { passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1 };
  const json = JSON.parse(readFileSync(report, 'utf8'));
  // A test file that failed to load has no tests: count it as one failure.
  const brokenFiles = json.testResults.filter((file) => file.status === 'failed' && file.assertionResults.length === 0);
  const failed = json.numFailedTests + brokenFiles.length;
  // The slowest files, for the summary: where the suite's time goes (test files run one at a time).
  const slowest = json.testResults
    .map((file) => ({ file: relative(root, file.name), seconds: Math.round((file.endTime - file.startTime) / 1000) }))
    .sort((a, b) => b.seconds - a.seconds)
    .slice(0, 5);
  return { passed: json.numPassedTests, failed: failed === 0 && code !== 0 ? 1 : failed, slowest };
}

const only = process.argv.slice(2);
const queue = suites().filter((s) => only.length === 0 || only.some((prefix) => s.name.startsWith(prefix)));
const results = [];
console.log(`Running ${queue.length} test suites, ${concurrency} at a time: ${queue.map((s) => s.name).join(', ')}`);
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    for (let suite = queue.shift(); suite; suite = queue.shift()) {
      console.log(`▶ ${suite.name}`);
      const result = await run(suite);
      const { passed, failed } = result.counts;
      console.log(`\n──── ${suite.name} (${result.seconds} s) ────\n${result.output.trimEnd()}`);
      console.log(`──── ${suite.name}: ${passed} passed, ${failed} failed ────\n`);
      results.push(result);
    }
  }),
);
rmSync(reports, { recursive: true, force: true });

const passed = results.reduce((sum, r) => sum + r.counts.passed, 0);
const failed = results.reduce((sum, r) => sum + r.counts.failed, 0);
for (const r of results) {
  console.log(
    `${r.counts.failed ? '✗' : '✓'} ${r.suite.name}: ${r.counts.passed} passed, ${r.counts.failed} failed (${r.seconds} s)`,
  );
  if (r.counts.slowest?.length && r.seconds >= 60) {
    console.log(`    slowest: ${r.counts.slowest.map((f) => `${f.file} ${f.seconds} s`).join(', ')}`);
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
