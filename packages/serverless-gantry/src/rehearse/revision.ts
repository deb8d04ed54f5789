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
