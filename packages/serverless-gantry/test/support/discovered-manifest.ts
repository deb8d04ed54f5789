import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { discoverService } from '../../src/build-service.js';
import type { Manifest } from '../../src/manifest.js';
import { readServiceConfig } from '../../src/testing/service-config.js';

/**
 * A service's Manifest for a stage, discovered here, in-process, from its serverless.yml and
 * sources: what `sls gantry routes --json --stage <stage>` prints (package.e2e checks the two are
 * equal), without starting osls, which costs seconds of CPU a call. Each call discovers into a folder
 * of its own, removed after: module URLs then differ, so no call reuses another's imported modules.
 */
export async function discoveredManifest(serviceDir: string, stage: string): Promise<Manifest> {
  const folder = join(serviceDir, '.gantry', 'discovery', `test-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    return (await discoverService(await readServiceConfig(serviceDir, stage), folder)).manifest;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
