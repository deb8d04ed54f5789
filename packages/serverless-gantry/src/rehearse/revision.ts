/**
 * The rehearsal's second deploy must change something, or osls skips it ("no changes"). The
 * rehearsal sets this variable for that deploy only; Gantry then writes it into every generated
 * function's environment and tags every generated table, so the update reaches functions and tables
 * (the rehearsal checks both after it). Unset, nothing changes.
 */
export const REVISION_VARIABLE = 'GANTRY_REHEARSAL_REVISION';

export function markRevision(
  functions: Record<string, unknown>,
  resources: Record<string, unknown>,
  generated: { functions: string[]; tables: string[] },
  revision: string | undefined,
): void {
  if (!revision) return;
  for (const key of generated.functions) {
    const fn = functions[key] as { environment?: Record<string, string> } | undefined;
    if (fn) fn.environment = { ...fn.environment, [REVISION_VARIABLE]: revision };
  }
  for (const id of generated.tables) {
    const table = resources[id] as { Properties?: { Tags?: { Key: string; Value: string }[] } } | undefined;
    if (table?.Properties) {
      table.Properties.Tags = [...(table.Properties.Tags ?? []), { Key: 'gantry:rehearsal-revision', Value: revision }];
    }
  }
}

/**
 * The rehearsal bundles in a work folder of its own (relative to the service), set for its
 * `sls package` runs only, so that it never deletes the `.esbuild/` a running `sls offline` of the
 * same service serves from. Unset, serverless-esbuild's own default is kept.
 */
export const WORK_FOLDER_VARIABLE = 'GANTRY_REHEARSAL_WORK_FOLDER';

/** Points serverless-esbuild (which reads `custom.esbuild` at initialize, after Gantry) at that folder. */
export function isolateBundling(custom: Record<string, unknown>, folder: string | undefined): void {
  if (!folder) return;
  custom.esbuild = { ...(custom.esbuild as Record<string, unknown> | undefined), outputWorkFolder: folder };
}
