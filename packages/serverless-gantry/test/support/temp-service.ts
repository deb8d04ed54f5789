import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Inside the package, so the service resolves the workspace's plugins and packages as a user's would.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '.tmp');

export const SERVERLESS_YML = (service: string, gantry = 'handlers: src/**/*.ts') => `service: ${service}
frameworkVersion: '4'
provider:
  name: aws
  runtime: nodejs22.x
plugins:
  - serverless-gantry
  - serverless-esbuild
custom:
  gantry:
    ${gantry}
`;

/** Writes a throwaway service (files relative to it) and returns its directory and a cleanup. */
export async function tempService(files: Record<string, string>) {
  await mkdir(root, { recursive: true });
  const dir = await mkdtemp(join(root, 'svc-'));
  await writeFile(join(dir, 'package.json'), '{ "name": "temp-service", "private": true }\n');
  for (const [path, contents] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), contents);
  }
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
