import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { delimiter, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OfflineRun, startOffline } from './support/offline.js';
import { sls } from './support/serverless.js';

// Every command of every `sh` block in the READMEs, run as a reader runs it, against the service it
// names: the repository's root service (README.md, and the plugin's example), a service made with
// the README's own `sls create` (its later commands, and the tasks-app template's README, run there),
// and one made from each other template. Ports and `services/<name>` are rewritten to free ports and
// a folder of the test's own (removed after). A command without a classification below fails, and
// so does a classification whose command no README has any more.

const root = fileURLToPath(new URL('../../../', import.meta.url));
const scratch = join(root, '.tmp'); // two levels deep, as services/<name>: a created tsconfig finds the root's
const suffix = randomBytes(3).toString('hex');
const templates = readdirSync(join(root, 'templates'));
const READMES = [
  'README.md',
  'packages/serverless-gantry/README.md',
  ...templates.map((t) => `templates/${t}/README.md`),
];

/** What a command is, and what the test checks when it runs it. */
type Classification =
  /** Not run, and why. */
  | { skip: string }
  /** Starts `sls offline` (or `npm start`, whose script runs it) in its folder: its `Ready:` names this service. */
  | { offline: string }
  /** Run with bash in its block's folder and variables; a curl answers `status` (and `body`). */
  | { shell: { status?: number; body?: RegExp } }
  /** `sls create`: the folder it writes holds the service so named (removed after the test). */
  | { creates: string }
  /** `sls package`: writes the CloudFormation template into `.serverless/` of its folder. */
  | { packages: true };

const NEEDS_AWS = 'needs AWS credentials and an account (docs/deploy.md); `sls gantry rehearse` covers it against moto';
const TEMPLATE_TESTS =
  "the service's own tests: npm test runs each template's suite (.ci/test-all.mjs), and templates.e2e.test.ts runs them in a service created from each template";

const CLASSIFIED: Record<string, Record<string, Classification>> = {
  'README.md': {
    'npm start': { offline: 'gantry-example' },
    'npm test': { skip: 'runs every suite, this one included' },
    'TOKEN=$(npx sls gantry token --sub ann)': { shell: {} },
    'AUTH="Authorization: Bearer $TOKEN"': { shell: {} },
    'curl -X POST 127.0.0.1:3000/lists/my-first-list/tasks -H "$AUTH" -H \'content-type: application/json\' -d \'{"title":"milk"}\'':
      { shell: { status: 201, body: /"title":"milk"/ } },
    'curl -H "$AUTH" 127.0.0.1:3000/lists/my-first-list/tasks': { shell: { status: 200, body: /"title":"milk"/ } },
    'curl -X POST 127.0.0.1:3000/lists/my-first-list/tasks -H "$AUTH" -H \'content-type: application/json\' -d \'{"title":""}\'':
      { shell: { status: 400, body: /"issues":\[/ } },
    'curl 127.0.0.1:3000/lists/my-first-list/tasks': { shell: { status: 401, body: /^\{"message":"Unauthorized"\}$/ } },
    'TOKEN=$(npx sls gantry token --sub ann --scope "tasks:read")': { shell: {} },
    'curl -H "Authorization: Bearer $TOKEN" 127.0.0.1:3000/lists/my-first-list/tasks': { shell: { status: 200 } },
    'npx sls create --template-path templates/tasks-app --path services/my-app --name my-app': { creates: 'my-app' },
    'npx -y pnpm@12.4.2 install': {
      skip: "installs into the repository's workspace (pnpm-lock.yaml, node_modules) that other suites are using; templates.e2e.test.ts installs a created service and checks its README is named",
    },
    'cd services/my-app': { shell: {} },
    'npx -y pnpm@12.4.2 test': { skip: TEMPLATE_TESTS },
    'npx sls offline --httpPort 3100 --lambdaPort 3102': { offline: 'my-app' },
    'npx sls package --stage prod': { packages: true },
  },
  'packages/serverless-gantry/README.md': {
    'TOKEN=$(npx sls gantry token --sub ann --scope "tasks:read")': { shell: {} },
    'curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:3000/lists/my-first-list/tasks': {
      shell: { status: 200 },
    },
  },
  'templates/tasks-app/README.md': {
    'npx -y pnpm@12.4.2 test': { skip: TEMPLATE_TESTS },
    'npx sls offline': { offline: 'my-app' },
    'npx sls package --stage prod': { packages: true },
    'npx sls deploy --stage dev': { skip: NEEDS_AWS },
    'npx sls deploy --stage prod': { skip: NEEDS_AWS },
    'npx sls info --stage prod --verbose': { skip: NEEDS_AWS },
    'npx sls remove --stage dev': { skip: NEEDS_AWS },
  },
  'templates/minimal-api/README.md': {
    'npx -y pnpm@12.4.2 test': { skip: TEMPLATE_TESTS },
    'npx sls offline': { offline: 'minimal-api' },
    'curl -X POST 127.0.0.1:3000/items -H \'content-type: application/json\' -d \'{"name":"milk"}\'': {
      shell: { status: 201, body: /"name":"milk"/ },
    },
    'npx sls package --stage prod': { packages: true },
    'npx sls deploy --stage prod': { skip: NEEDS_AWS },
    'npx sls remove --stage prod': { skip: NEEDS_AWS },
  },
};

interface Command {
  readme: string;
  block: number;
  line: number;
  text: string;
  comment: string;
}

/** The commands of a README's ```sh blocks, one per logical line, each with its trailing comment. */
function shellCommands(readme: string): Command[] {
  const commands: Command[] = [];
  const lines = readFileSync(join(root, readme), 'utf8').split('\n');
  let block = -1;
  let inside = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (!inside && /^\s*```(sh|bash|shell)\s*$/.test(line)) {
      inside = true;
      block++;
      continue;
    }
    if (inside && /^\s*```\s*$/.test(line)) {
      inside = false;
      continue;
    }
    if (!inside || line.trim() === '') continue;
    let text = line.trim();
    const start = i;
    while (text.endsWith('\\') && i + 1 < lines.length)
      text = `${text.slice(0, -1).trim()} ${(lines[++i] ?? '').trim()}`;
    const [command, comment] = splitComment(text);
    commands.push({ readme, block, line: start + 1, text: command, comment });
  }
  return commands;
}

/** A shell line's command and its `# comment` (a `#` that starts a word outside quotes). */
function splitComment(text: string): [string, string] {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1] ?? ''))) {
      return [text.slice(0, i).trim().replace(/\s+/g, ' '), text.slice(i + 1).trim()];
    }
  }
  return [text.trim().replace(/\s+/g, ' '), ''];
}

const commands = READMES.flatMap(shellCommands);
const classify = (command: Command) => CLASSIFIED[command.readme]?.[command.text];

interface Observed {
  code?: number | null;
  output?: string;
  status?: number;
  body?: string;
  /** An offline's `Ready:` line and API URL, and the URL the test expects it at. */
  ready?: string;
  api?: string;
  expectedApi?: string;
  /** What `sls create` made: the `service:` of its serverless.yml. */
  service?: string;
  /** `sls package`: the resources of the template it wrote. */
  resources?: number;
  error?: string;
}

/**
 * The start a README shows (its first plain ``` block with a `Ready:` line, up to `Page:`), each line
 * a pattern: `…` alone skips lines, `…` in a line is anything; ports, times, versions and durations
 * are examples.
 */
function shownStart(readme: string): RegExp[] {
  const blocks: string[][] = [];
  let block: string[] | undefined;
  let open = false;
  for (const line of readFileSync(join(root, readme), 'utf8').split('\n')) {
    const fence = /^\s*```(\S*)\s*$/.exec(line);
    if (!fence) {
      block?.push(line.trim());
      continue;
    }
    open = !open;
    block = open && !fence[1] ? [] : undefined; // a block with a language (sh, ts, yaml) shows no output
    if (block) blocks.push(block);
  }
  const lines = blocks.find((lines) => lines.some((line) => line.startsWith('Ready: '))) ?? [];
  const shown = lines.slice(
    lines.findIndex((line) => line.startsWith('Ready: ')),
    lines.findIndex((line) => line.startsWith('Page: ')) + 1,
  );
  return shown.map((line) =>
    line === '…'
      ? /…/
      : new RegExp(
          `^${line
            .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
            .replace(/127\\\.0\\\.0\\\.1:\d+/g, '127\\.0\\.0\\.1:\\d+')
            .replace(/Node (\d+)\\\.\d+\\\.\d+/g, 'Node $1\\.\\d+\\.\\d+')
            .replace(/\d{4}-\d\d-\d\dT[\d:\\.]+Z/g, '\\S+')
            .replace(/ +/g, ' +')
            .replaceAll('…', '.*')}$`,
        ),
  );
}

/** Whether `output` has the lines in order from its `Ready:` line, adjacent except where `…` skips. */
function showsAsPrinted(patterns: RegExp[], output: string): string | undefined {
  const lines = output.split('\n');
  let at = lines.findIndex((line) => line.startsWith('Ready: '));
  let skip = false;
  for (const pattern of patterns) {
    if (pattern.source === '…') {
      skip = true;
      continue;
    }
    const found = skip
      ? lines.findIndex((line, i) => i >= at && pattern.test(line))
      : pattern.test(lines[at] ?? '')
        ? at
        : -1;
    if (found < 0) return `${pattern} not at line ${at} (${lines[at]}) of:\n${output}`;
    at = found + 1;
    skip = false;
  }
  return undefined;
}

const observed = new Map<Command, Observed>();
const offlines = new Map<string, Promise<OfflineRun>>();
const running = new Map<string, OfflineRun>();
const chains = new Map<string, Promise<unknown>>();
const created = new Map<string, { promise: Promise<string>; settle: (dir: string | Error) => void }>();
const scratchDirs: string[] = [];

/** One step after another in a folder: `sls offline` and `sls package` there share `.esbuild/`. */
function inFolder<T>(dir: string, step: () => Promise<T>): Promise<T> {
  const next = (chains.get(dir) ?? Promise.resolve()).then(step, step);
  chains.set(
    dir,
    next.catch(() => undefined),
  );
  return next;
}

/** The ports a README's commands use for a service's sls offline: the flags, serverless.yml, the defaults. */
function readmePorts(dir: string, args: string[]): [number, number] {
  const yml = readFileSync(join(dir, 'serverless.yml'), 'utf8');
  const flag = (name: string) => {
    const at = args.indexOf(`--${name}`);
    return at >= 0 ? Number(args[at + 1]) : undefined;
  };
  const configured = (name: string) => Number(new RegExp(`^\\s+${name}:\\s*(\\d+)`, 'm').exec(yml)?.[1] ?? Number.NaN);
  const http = flag('httpPort') ?? configured('httpPort');
  const lambda = flag('lambdaPort') ?? configured('lambdaPort');
  return [Number.isNaN(http) ? 3000 : http, Number.isNaN(lambda) ? 3002 : lambda];
}

/**
 * `sls offline` in a folder with the README's options, started once for every command that starts
 * it the same way, on free ports: returns the run and the README's ports → the run's.
 */
async function offlineIn(dir: string, args: string[]) {
  const [http, lambda] = readmePorts(dir, args);
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (/^--(httpPort|lambdaPort)$/.test(args[i] ?? '')) i++;
    else rest.push(args[i] ?? '');
  }
  const key = `${dir}\0${rest.join(' ')}`;
  let started = offlines.get(key);
  if (!started) {
    started = inFolder(dir, async () => {
      const run = await startOffline(dir, rest).catch((error: Error) => {
        // A free port taken by another suite's process between the pick and the listen: pick again.
        if (!error.message.includes('EADDRINUSE')) throw error;
        return startOffline(dir, rest);
      });
      running.set(dir, run);
      return run;
    });
    offlines.set(key, started);
  }
  const run = await started;
  return { run, ports: { [http]: Number(new URL(run.url).port), [lambda]: run.lambdaPort } };
}

const packaged = new Map<string, Promise<Observed>>();

interface Ran {
  code: number | null;
  output: string;
  status?: number;
  body?: string;
  /** The value an assignment (`TOKEN=$(…)`) gave its variable. */
  value?: string;
}

/** Runs one command with bash in `cwd`: curl reports its status; an assignment hands its value back. */
function bash(command: string, cwd: string, vars: Record<string, string>): Promise<Ran> {
  const assigned = /^([A-Za-z_]\w*)=/.exec(command)?.[1];
  const script = [
    `curl() { command curl -sS -w '\\n::status %{http_code}\\n' "$@"; }`,
    command,
    'code=$?',
    assigned ? `printf '\\n::value %s\\n' "\${${assigned}}"` : '',
    'exit $code',
  ].join('\n');
  return new Promise((done) => {
    const child = spawn('bash', ['-c', script], {
      cwd,
      env: {
        ...process.env,
        ...vars,
        CI: 'true',
        SLS_TELEMETRY_DISABLED: '1',
        PATH: `${join(root, 'node_modules', '.bin')}${delimiter}${process.env.PATH ?? ''}`,
      },
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
    child.on('close', (code) => {
      const status = /\n::status (\d{3})\n$/.exec(stdout);
      const value = /\n::value (.*)\n$/.exec(stdout);
      done({
        code,
        output: stdout + stderr,
        ...(status ? { status: Number(status[1]), body: stdout.slice(0, status.index) } : {}),
        ...(value ? { value: value[1] ?? '' } : {}),
      });
    });
  });
}

/** `services/<name>` in a README is a folder of the test's own. */
const rewritePaths = (text: string) => text.replace(/\bservices\/([\w-]+)/g, `.tmp/$1-${suffix}`);

/** Runs a block as a reader pasting it into a terminal opened in `start`. */
async function runBlock(block: Command[], start: string, rootPorts: Promise<Record<number, number>>): Promise<void> {
  let cwd = start;
  const vars: Record<string, string> = {};
  const ports: Record<number, number> = cwd === root ? { ...(await rootPorts) } : {};
  for (const command of block) {
    const how = classify(command);
    if (!how || 'skip' in how) continue;
    try {
      observed.set(command, await runCommand(command, how));
    } catch (error) {
      observed.set(command, { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  }

  async function runCommand(command: Command, how: Exclude<Classification, { skip: string }>): Promise<Observed> {
    const text = rewritePaths(command.text).replace(/\b(127\.0\.0\.1|localhost):(\d+)/g, (_, host, port) => {
      const mapped = ports[Number(port)];
      if (mapped === undefined) throw new Error(`names port ${port}, where no sls offline of this block runs`);
      return `${host}:${mapped}`;
    });
    if ('offline' in how) {
      const args =
        text === 'npm start' ? npmStartArgs() : /^npx sls offline\b(.*)$/.exec(text)?.[1]?.trim().split(/\s+/);
      if (!args) throw new Error(`not an sls offline command: ${text}`);
      const { run, ports: mapped } = await offlineIn(cwd, args.filter(Boolean));
      Object.assign(ports, mapped);
      const output = run.output();
      return {
        output,
        ready: /^Ready: .*$/m.exec(output)?.[0] ?? '',
        api: /^API \(API Gateway's HTTP rules\): (\S+)$/m.exec(output)?.[1] ?? '',
        expectedApi: `${run.url}/`,
      };
    }
    if ('creates' in how) {
      const dir = /--path (\S+)/.exec(text)?.[1];
      const template = /--template-path (\S+)/.exec(text)?.[1];
      if (!dir || !template) throw new Error(`sls create without --path or --template-path: ${text}`);
      scratchDirs.push(resolve(cwd, dir));
      mkdirSync(scratch, { recursive: true });
      const result = await bash(text, cwd, vars);
      const yml = join(cwd, dir, 'serverless.yml');
      const service = existsSync(yml) ? /^service:\s*(\S+)/m.exec(readFileSync(yml, 'utf8'))?.[1] : undefined;
      created.get(template)?.settle(service ? resolve(cwd, dir) : new Error(`${text} created no service`));
      return { ...result, service: service ?? '' };
    }
    if ('packages' in how) {
      if (cwd === root)
        throw new Error("sls package in the root would remove the bundles the root's sls offline serves");
      const dir = cwd;
      let result = packaged.get(`${dir}\0${text}`);
      if (!result) {
        // `sls package` removes `.esbuild/`, which an sls offline there serves from: stopped first.
        result = inFolder(dir, async () => {
          await running.get(dir)?.stop();
          const ran = await bash(text, dir, vars);
          const template = join(dir, '.serverless', 'cloudformation-template-update-stack.json');
          const resources = existsSync(template)
            ? Object.keys((JSON.parse(readFileSync(template, 'utf8')) as { Resources: object }).Resources).length
            : 0;
          return { code: ran.code, output: ran.output, resources };
        });
        packaged.set(`${dir}\0${text}`, result);
      }
      return result;
    }
    const cd = /^cd (\S+)$/.exec(text);
    if (cd) {
      const next = resolve(cwd, cd[1] ?? '');
      if (!existsSync(next)) return { code: 1, output: `no folder ${next}` };
      cwd = next;
      return { code: 0 };
    }
    const result = await bash(text, cwd, vars);
    const name = /^([A-Za-z_]\w*)=/.exec(text)?.[1];
    if (name && result.value !== undefined) vars[name] = result.value;
    return result;
  }
}

/** `npm start` runs the root's `offline` script after an install: that script must be plain `sls offline`. */
function npmStartArgs(): string[] {
  const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  if (!/&& npx -y pnpm@[\d.]+ run offline$/.test(scripts.start ?? '') || scripts.offline !== 'sls offline') {
    throw new Error(
      `npm start is no longer "install && pnpm run offline" with offline = "sls offline": ${JSON.stringify(scripts)}`,
    );
  }
  return [];
}

/** Where a README's blocks start: the root, or a service made from the template it describes. */
async function startFolder(readme: string): Promise<string> {
  const template = /^templates\/([^/]+)\//.exec(readme)?.[1];
  if (!template) return root;
  const path = `templates/${template}`;
  const pending = created.get(path);
  if (pending) return pending.promise;
  // No README command creates one: made here the way the README's "What is here" says.
  mkdirSync(scratch, { recursive: true });
  const dir = join(scratch, `${template}-${suffix}`);
  scratchDirs.push(dir);
  const made = await sls(root, ['create', '--template-path', path, '--path', relative(root, dir), '--name', template]);
  if (made.code !== 0) throw new Error(`sls create from ${path} failed:\n${made.stdout}${made.stderr}`);
  return dir;
}

/** The template a command classified as `creates` makes a service from. */
const createsFrom = (command: Command) =>
  'creates' in (classify(command) ?? {}) ? /--template-path (\S+)/.exec(command.text)?.[1] : undefined;

beforeAll(async () => {
  // A service a README command creates from a template is where that template's README runs.
  for (const command of commands) {
    const template = createsFrom(command);
    if (template && !created.has(template)) {
      let settle: (dir: string | Error) => void = () => undefined;
      const promise = new Promise<string>((done, fail) => {
        settle = (dir) => (typeof dir === 'string' ? done(dir) : fail(dir));
      });
      created.set(template, { promise, settle });
    }
  }
  // The root service's sls offline (npm start) from the beginning: most blocks call it.
  const rootPorts = offlineIn(root, []).then(({ ports }) => ports);
  const blocks = new Map<string, Command[]>();
  for (const command of commands) {
    const key = `${command.readme}\0${command.block}`;
    blocks.set(key, [...(blocks.get(key) ?? []), command]);
  }
  // READMEs side by side; a README's blocks in order (a template's package stops the offline its
  // first block started); blocks in the root side by side (they share only the root's sls offline).
  await Promise.all(
    READMES.map(async (readme) => {
      const own = [...blocks.entries()].filter(([key]) => key.startsWith(`${readme}\0`)).map(([, block]) => block);
      const start = await startFolder(readme).catch((error: Error) => {
        for (const command of own.flat()) observed.set(command, { error: error.message });
        return undefined;
      });
      if (!start) return;
      try {
        if (start === root) await Promise.all(own.map((block) => runBlock(block, start, rootPorts)));
        else for (const block of own) await runBlock(block, start, rootPorts);
      } finally {
        // A README waiting for a service this one did not create waits no more.
        for (const template of own.flat().map(createsFrom)) {
          if (template) created.get(template)?.settle(new Error(`${readme} did not create a service from ${template}`));
        }
      }
    }),
  );
}, 600_000);

afterAll(async () => {
  await Promise.all([...running.values()].map((run) => run.stop()));
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
  if (existsSync(scratch) && readdirSync(scratch).length === 0) rmSync(scratch, { recursive: true });
});

describe("the READMEs' shell commands", () => {
  it('are each classified: run against the service they name, or skipped with the reason', () => {
    const unclassified = commands.filter((command) => !classify(command));
    expect(unclassified.map((c) => `${c.readme}:${c.line}: ${c.text}`)).toEqual([]);
    const named = new Set(commands.map((c) => `${c.readme}\0${c.text}`));
    const stale = Object.entries(CLASSIFIED).flatMap(([readme, entries]) =>
      Object.keys(entries)
        .filter((text) => !named.has(`${readme}\0${text}`))
        .map((text) => `${readme}: ${text}`),
    );
    expect(stale, 'classified, but in no README any more').toEqual([]);
  });

  it.each(['README.md', 'packages/serverless-gantry/README.md'])(
    "%s shows the start of the root service's sls offline as it prints it",
    async (readme) => {
      const patterns = shownStart(readme);
      expect(patterns.length).toBeGreaterThan(3);
      const { run } = await offlineIn(root, []);
      expect(showsAsPrinted(patterns, run.output())).toBeUndefined();
    },
  );

  it.each(commands.map((command) => [`${command.readme}:${command.line}  ${command.text}`, command] as const))(
    '%s',
    (_, command) => {
      const how = classify(command);
      if (!how) return expect(how, 'unclassified (see the first test)').toBeDefined();
      if ('skip' in how) return expect(how.skip.length, 'a skipped command says why').toBeGreaterThan(20);
      const seen = observed.get(command) ?? { error: 'not run' };
      expect(seen.error, seen.error).toBeUndefined();
      if ('offline' in how) {
        expect(seen.ready, seen.output).toMatch(new RegExp(`^Ready: ${how.offline}, stage dev \\(`));
        expect(seen.api).toBe(seen.expectedApi);
        return;
      }
      expect(seen.code, seen.output).toBe(0);
      if ('creates' in how) return expect(seen.service).toBe(how.creates);
      if ('packages' in how) return expect(seen.resources, seen.output).toBeGreaterThan(10);
      const { status, body } = how.shell;
      const claimed = /^(\d{3})\b/.exec(command.comment)?.[1];
      if (claimed) expect(Number(claimed), "the README's comment says the status").toBe(status);
      if (status !== undefined) expect(seen.status, seen.output).toBe(status);
      if (body) expect(seen.body?.trim(), seen.output).toMatch(body);
    },
  );
});
