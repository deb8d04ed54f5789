import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { nameCreatedServices, nameReadme } from '../src/create/name-created-services.js';

const templates = fileURLToPath(new URL('../../../templates/', import.meta.url));
const templateReadme = (name: string) => readFileSync(join(templates, name, 'README.md'), 'utf8');
/** Markdown wraps lines anywhere: compare text with its line breaks as spaces. */
const prose = (text: string | undefined) => text?.replace(/\s+/g, ' ');

describe.each(['minimal-api', 'tasks-app'])("the %s template's README", (template) => {
  it('is written for any name, and names the new service and its folder once named', () => {
    const unnamed = templateReadme(template);
    expect(unnamed).toContain('<service>');
    expect(unnamed).toContain('<path>');
    const named = nameReadme(unnamed, { service: 'my-app', path: 'services/my-app' });
    expect(named).toBeDefined();
    expect(prose(named)).toContain('This is `my-app`, in `services/my-app`');
    expect(named).toContain('`my-app-<stage>-');
    expect(named).not.toMatch(/<service>|<path>|gantry:unnamed/);
    // Once named, it is left alone.
    expect(nameReadme(named as string, { service: 'other', path: 'services/other' })).toBeUndefined();
  });
});

describe('nameCreatedServices', () => {
  let root: string | undefined;
  afterEach(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  function service(folder: string, files: Record<string, string>) {
    const dir = join(root as string, 'services', folder);
    mkdirSync(dir, { recursive: true });
    for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
    return dir;
  }

  it("names only the READMEs of services made from a template, from serverless.yml's service", () => {
    root = mkdtempSync(join(tmpdir(), 'gantry-name-'));
    const created = service('shop', {
      'serverless.yml': '# A Gantry service.\nservice: shop-api\nframeworkVersion: "4"\n',
      'README.md': templateReadme('minimal-api'),
    });
    const own = '# Mine\n\nRun `<service>` here.\n';
    const handWritten = service('mine', { 'serverless.yml': 'service: mine\n', 'README.md': own });
    service('no-config', { 'README.md': templateReadme('tasks-app') });

    expect(nameCreatedServices(root)).toEqual(['services/shop/README.md']);
    const named = readFileSync(join(created, 'README.md'), 'utf8');
    expect(prose(named)).toContain('This is `shop-api`, in `services/shop`');
    expect(readFileSync(join(handWritten, 'README.md'), 'utf8')).toBe(own);
    // A second install writes nothing.
    expect(nameCreatedServices(root)).toEqual([]);
    expect(readFileSync(join(created, 'README.md'), 'utf8')).toBe(named);
  });

  it.each([
    ['as osls writes it', 'service: shop-api\n'],
    ['quoted', "service: 'shop-api' # the stack's name\n"],
    ['in the object form', 'service:\n  name: shop-api\n'],
    ['with Windows line ends', 'service:\r\n  name: shop-api\r\n'],
  ])('reads the service name written %s, and a README with Windows line ends', (_, config) => {
    root = mkdtempSync(join(tmpdir(), 'gantry-name-'));
    const dir = service('shop', {
      'serverless.yml': config,
      'README.md': templateReadme('minimal-api').replaceAll('\n', '\r\n'),
    });
    expect(nameCreatedServices(root)).toEqual(['services/shop/README.md']);
    const named = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(prose(named)).toContain('This is `shop-api`, in `services/shop`');
    expect(named).not.toMatch(/<service>|<path>|gantry:unnamed/);
  });

  it('leaves a README alone when the name is not written out (a variable)', () => {
    root = mkdtempSync(join(tmpdir(), 'gantry-name-'));
    const readme = templateReadme('minimal-api');
    const dir = service('shop', { 'serverless.yml': 'service: ${env:NAME}\n', 'README.md': readme });
    expect(nameCreatedServices(root)).toEqual([]);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe(readme);
  });

  it('does nothing where there is no services folder', () => {
    root = mkdtempSync(join(tmpdir(), 'gantry-name-'));
    expect(nameCreatedServices(root)).toEqual([]);
  });
});
