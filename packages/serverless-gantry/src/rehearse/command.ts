import type { BuiltService } from '../build-service.js';
import type { Expected } from './expected.js';
import { rehearse, summary } from './rehearse.js';

/** The slice of osls's `serverless` object a rehearsal reads (after Gantry's merge). */
export interface RehearsedService {
  serviceDir: string;
  service: {
    functions?: Record<string, unknown> | null;
    provider: {
      runtime?: string;
      memorySize?: number;
      timeout?: number;
      logRetentionInDays?: unknown;
      stackName?: string;
    };
  };
}

/** `sls gantry rehearse`: the expectations from the built service, the rehearsal, one line per check. */
export async function rehearsalCommand(
  serverless: RehearsedService,
  built: BuiltService,
  cli: { config?: string; region?: string },
  write: (text: string) => void,
): Promise<boolean> {
  const { provider } = serverless.service;
  const { manifest, options, fragment } = built;
  const sizes: Expected['sizes'] = {};
  for (const key of Object.keys(fragment.functions)) {
    const fn = (serverless.service.functions?.[key] ?? {}) as { memorySize?: number; timeout?: number };
    // osls's own defaults when neither the function nor the provider sets them.
    sizes[key] = { memory: fn.memorySize ?? provider.memorySize ?? 1024, timeout: fn.timeout ?? provider.timeout ?? 6 };
  }
  const retention = provider.logRetentionInDays;
  const expected: Expected = {
    manifest,
    options,
    fragment,
    stackName: provider.stackName ?? `${manifest.service}-${manifest.stage}`,
    region: options.region,
    runtime: provider.runtime ?? 'nodejs20.x',
    sizes,
    logRetentionInDays:
      typeof retention === 'number' ? retention : retention === undefined ? undefined : Number(retention),
  };
  const slsArgs = [...(cli.config ? ['--config', cli.config] : []), ...(cli.region ? ['--region', cli.region] : [])];
  write(
    `gantry rehearse --stage ${manifest.stage}: sls deploy, checks, update, info and remove against a local emulator`,
  );
  const result = await rehearse({ serviceDir: serverless.serviceDir, expected, slsArgs, report: write });
  write(summary(result, manifest.stage));
  write(
    `steps (s): ${Object.entries(result.seconds)
      .map(([step, s]) => `${step} ${s}`)
      .join(', ')}`,
  );
  return result.ok;
}
