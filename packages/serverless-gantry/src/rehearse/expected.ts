import type { StageOptions } from '../config.js';
import type { ServiceFragment } from '../generate/service.js';
import type { Manifest } from '../manifest.js';

/** What the rehearsal expects to find deployed: derived from the Manifest and what Gantry generated. */
export interface Expected {
  manifest: Manifest;
  options: StageOptions;
  fragment: ServiceFragment;
  stackName: string;
  region: string;
  /** `provider.runtime`. */
  runtime: string;
  /** Per function key: memory and timeout after osls's defaults (1024 MB, 6 s) and provider's. */
  sizes: Record<string, { memory: number; timeout: number }>;
  /** The retention osls sets on every log group (after Gantry's merge). */
  logRetentionInDays: number | undefined;
}
