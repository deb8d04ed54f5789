import type { BuiltService } from '../build-service.js';
import type { LocalRun } from './local-run.js';
import { startLocalRunInThread } from './local-run-thread.js';

interface ServiceFunctions {
  functions?: Record<string, unknown> | null;
}

/**
 * Starts the embedded DynamoDB and IAM endpoint for `sls offline` and gives each generated
 * function the endpoint and its own local credentials. Returns the run, to stop at the end.
 */
export async function startOfflineRun(
  service: ServiceFunctions,
  built: BuiltService,
  servicePath: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LocalRun> {
  const { offline } = built.options;
  const port = env.GANTRY_DYNAMODB_PORT ? Number(env.GANTRY_DYNAMODB_PORT) : (offline.port ?? 0);
  const run = await startLocalRunInThread({
    servicePath,
    manifest: built.manifest,
    fragment: built.fragment,
    region: built.options.region,
    port,
    persist: offline.persist || undefined,
    seed: offline.seed,
    enforceIam: offline.enforceIam ?? true,
    denyUnidentified: offline.denyUnidentified ?? false,
    ttlSweepMs: (offline.ttlSweepSeconds ?? 5) * 1000,
  });
  for (const [name, environment] of Object.entries(run.environment)) {
    const fn = service.functions?.[name] as { environment?: Record<string, unknown> } | undefined;
    if (fn) fn.environment = { ...fn.environment, ...environment };
  }
  return run;
}
