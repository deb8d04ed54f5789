import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { GantryError } from '../errors.js';
import type { Manifest } from '../manifest.js';
import { methodDocs } from './method-docs.js';
import { type OpenApiResult, type OpenApiServer, openApiDocument, stageServer } from './openapi-document.js';

export interface ServiceOpenApiInput {
  manifest: Manifest;
  servicePath: string;
  region: string;
  /** `provider.httpApi` after the merge: its `authorizers` and, when the API exists already, `id`. */
  httpApi?: { authorizers?: Record<string, unknown>; id?: unknown } | undefined;
  /** Used instead of the stage's deployed address (`sls offline` serves its own). */
  servers?: OpenApiServer[];
  /** `sls gantry openapi --server URL`: listed first, before the stage's deployed address. */
  server?: string | undefined;
}

/**
 * The service's document for its stage: the Manifest, its authorizers, its address, its
 * package.json's version and license, and the TSDoc of its handler methods.
 */
export async function serviceOpenApi(input: ServiceOpenApiInput): Promise<OpenApiResult> {
  const { manifest } = input;
  const pkg = await packageJson(input.servicePath);
  return openApiDocument({
    manifest,
    authorizers: input.httpApi?.authorizers,
    servers: [
      ...(input.server ? [givenServer(input.server)] : []),
      ...(input.servers ?? [
        stageServer({ stage: manifest.stage, region: input.region, httpApiId: input.httpApi?.id }),
      ]),
    ],
    version: typeof pkg.version === 'string' ? pkg.version : undefined,
    license: typeof pkg.license === 'string' ? pkg.license : undefined,
    docs: await methodDocs(
      input.servicePath,
      manifest.functions.filter((fn) => fn.routes.length > 0),
    ),
  });
}

/** `--server URL` as a Server Object, checked: a document with a broken address helps no one. */
function givenServer(url: string): OpenApiServer {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new GantryError(`gantry openapi: --server '${url}' is not a URL; give one like http://localhost:3000.`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new GantryError(
      `gantry openapi: --server '${url}' must be an http or https URL, e.g. http://localhost:3000.`,
    );
  }
  // OpenAPI joins server URL and path: a trailing slash would double it.
  return { url: url.replace(/\/+$/, ''), description: 'given with --server' };
}

/** Writes the document to `out` (relative to the working directory), or returns it for stdout. */
export async function writeOpenApi(document: Record<string, unknown>, out: string | undefined): Promise<string> {
  const text = `${JSON.stringify(document, null, 2)}\n`;
  if (out) await writeFile(resolve(out), text);
  return text;
}

async function packageJson(servicePath: string): Promise<{ version?: unknown; license?: unknown }> {
  try {
    return JSON.parse(await readFile(resolve(servicePath, 'package.json'), 'utf8')) as object;
  } catch {
    return {};
  }
}
