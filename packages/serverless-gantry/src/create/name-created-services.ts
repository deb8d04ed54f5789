import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

// `sls create --template-path` copies a template's files as they are: it rewrites only `service:` in
// serverless.yml and `name` in package.json, and loads no plugin, so nothing of Gantry's can run
// then. A template's README is therefore written with `<service>` and `<path>` and marked as
// unnamed; the install that links a new service into the workspace (the README's next step) writes
// the service's name and folder in their place, once: the marker goes with them, and a README
// without it is never touched.

/** The marker comment, with the blank line after it (LF or CRLF, as a checkout may have it). */
const UNNAMED = /<!-- gantry:unnamed[\s\S]*?-->\r?\n(?:\r?\n)?/;
/**
 * The service's name in serverless.yml: `service: my-app` as osls writes it, quoted or not, or the
 * object form `service:\n  name: my-app`. A name in a variable (`${...}`) is not read.
 */
const SERVICE = /^service:[ \t]*(?:#.*)?(?:\r?\n[ \t]+name:[ \t]*)?["']?([A-Za-z0-9][\w-]*)["']?[ \t]*(?:#.*)?$/m;

export interface ServiceNames {
  /** `service:` in serverless.yml. */
  service: string;
  /** The service's folder, relative to the repository's root (`services/my-app`). */
  path: string;
}

/** The README with the service's name and folder in place of `<service>` and `<path>`, or `undefined` when it is not a template's unnamed README. */
export function nameReadme(readme: string, names: ServiceNames): string | undefined {
  if (!UNNAMED.test(readme)) return undefined;
  return readme.replace(UNNAMED, '').replaceAll('<service>', names.service).replaceAll('<path>', names.path);
}

/**
 * Names the README of each service under `<root>/services/` that was created from a template and
 * not named yet. Returns the READMEs it wrote, relative to the root.
 */
export function nameCreatedServices(root: string): string[] {
  const services = join(root, 'services');
  if (!existsSync(services)) return [];
  const written: string[] = [];
  for (const entry of readdirSync(services, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(services, entry.name);
    const readmeFile = join(dir, 'README.md');
    const configFile = join(dir, 'serverless.yml');
    if (!existsSync(readmeFile) || !existsSync(configFile)) continue;
    const service = SERVICE.exec(readFileSync(configFile, 'utf8'))?.[1];
    if (!service) continue;
    // The folder as the README's commands write it, with `/` on any platform.
    const path = relative(root, dir).split(sep).join('/');
    const named = nameReadme(readFileSync(readmeFile, 'utf8'), { service, path });
    if (named === undefined) continue;
    writeFileSync(readmeFile, named);
    written.push(relative(root, readmeFile));
  }
  return written;
}
