import { resolveStageOptions } from '../../src/config.js';
import { generateService } from '../../src/generate/service.js';
import type { Manifest } from '../../src/manifest.js';
import type { LocalRunOptions } from '../../src/offline/run/local-run.js';

/**
 * A local run of a test Manifest, as the endpoint tests start it: its generated fragment (default
 * options, eu-west-1), a free port, IAM enforced, unidentified callers allowed, the background TTL
 * sweep out of the way; `extra` overrides any of these.
 */
export function localRunOptions(manifest: Manifest, extra: Partial<LocalRunOptions> = {}): LocalRunOptions {
  const region = 'eu-west-1';
  const stage = resolveStageOptions({}, { service: manifest.service, stage: manifest.stage, region });
  return {
    servicePath: process.cwd(),
    manifest,
    fragment: generateService(manifest, stage, { authorizers: [] }),
    region,
    port: 0,
    enforceIam: true,
    denyUnidentified: false,
    ttlSweepMs: 60_000,
    ...extra,
  };
}
