import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encryptLogGroups, STAGE_KEY_ID, type stageKeyResource } from '../generate/compliance.js';
import { hardenDeploymentBucket } from '../generate/deployment-bucket.js';

type Resources = Record<string, { Type?: string; Properties?: Record<string, unknown> }>;

/** osls writes its core template (the deployment bucket) to this file at `package:initialize`. */
const CORE_TEMPLATE_FILE = 'cloudformation-template-create-stack.json';

export interface PackagingService {
  provider: {
    compiledCloudFormationTemplate?: { Resources: Resources };
    /** The copy osls creates a new stack from (deploy's createStack). */
    coreCloudFormationTemplate?: { Resources: Resources };
  };
  resources?: { Resources?: Record<string, unknown> } | null;
}

/**
 * Hook `after:package:initialize` on production stages: osls's deployment bucket as Control Tower
 * asks (src/generate/deployment-bucket.ts), in the template being compiled, in the core template
 * osls creates a new stack from, and in the core template file it has already written.
 */
export function hardenCoreTemplate(service: PackagingService, serviceDir: string): void {
  const { compiledCloudFormationTemplate: compiled, coreCloudFormationTemplate: core } = service.provider;
  if (compiled) hardenDeploymentBucket(compiled.Resources);
  if (core && hardenDeploymentBucket(core.Resources)) {
    // osls's own format for the file (its writeFileSync of a .json: two spaces).
    writeFileSync(join(serviceDir, '.serverless', CORE_TEMPLATE_FILE), JSON.stringify(core, null, 2));
  }
}

/**
 * Hook `after:package:compileEvents` with `compliance`: osls's log groups (each function's, the
 * HTTP API's access log) are in the compiled template by then; they get the stage key (generated in
 * `resources`, merged by osls later) and a year of retention.
 */
export function encryptCompiledLogGroups(service: PackagingService): void {
  const key = service.resources?.Resources?.[STAGE_KEY_ID] as ReturnType<typeof stageKeyResource> | undefined;
  const compiled = service.provider.compiledCloudFormationTemplate;
  if (key && compiled) encryptLogGroups(compiled.Resources, key);
}
