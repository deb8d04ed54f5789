import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Manifest } from '../manifest.js';
import { type OpenApiResult, type OpenApiServer, openApiDocument, stageServer } from './openapi-document.js';

export interface ServiceOpenApiInput {
  manifest: Manifest;
  servicePath: string;
  region: string;
  /** `provider.httpApi` after the merge: its `authorizers` and, when the API exists already, `id`. */
  httpApi?: { authorizers?: Record<string, unknown>; id?: unknown } | undefined;
  /** Used instead of the stage's deployed address (`sls offline` serves its own). */
  servers?: OpenApiServer[];
}

/** The service's document for its stage: the Manifest, its authorizers, its address and version. */
export async function serviceOpenApi(input: ServiceOpenApiInput): Promise<OpenApiResult> {
  const { manifest } = input;
  return openApiDocument({
    manifest,
    authorizers: input.httpApi?.authorizers,
    servers: input.servers ?? [
      stageServer({ stage: manifest.stage, region: input.region, httpApiId: input.httpApi?.id }),
    ],
    version: await packageVersion(input.servicePath),
  });
}

/** Writes the document to `out` (relative to the working directory), or returns it for stdout. */
export async function writeOpenApi(document: Record<string, unknown>, out: string | undefined): Promise<string> {
  const text = `${JSON.stringify(document, null, 2)}\n`;
  if (out) await writeFile(resolve(out), text);
  return text;
}

async function packageVersion(servicePath: string): Promise<string | undefined> {
  try {
    const pkg = JSON.parse(await readFile(resolve(servicePath, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}
