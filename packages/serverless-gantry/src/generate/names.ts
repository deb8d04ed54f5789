import { createHash } from 'node:crypto';

/** `notes-api-get` → `NotesApiGet`: the stem of CloudFormation logical IDs. */
export function pascal(name: string): string {
  return name
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('');
}

export const roleLogicalId = (functionName: string) => `${pascal(functionName)}Role`;
export const tableLogicalId = (tableName: string) => `${pascal(tableName)}Table`;

/**
 * Fits a name into `max` characters, deterministically: names that fit are kept; longer ones keep
 * their start and end with a hash of the whole, so two long names never shorten to the same one.
 */
export function fitName(name: string, max: number): string {
  if (name.length <= max) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  const room = max - hash.length - 2;
  const head = Math.ceil(room / 2);
  return `${name.slice(0, head)}-${hash}-${name.slice(name.length - (room - head))}`.replace(/--+/g, '-');
}

/** The deployed Lambda name (64 characters at most), which also names its log group. */
export const lambdaName = (service: string, stage: string, fn: string) => fitName(`${service}-${stage}-${fn}`, 64);

/** IAM role names are global to the account and at most 64 characters: include the region. */
export const roleName = (service: string, stage: string, region: string, fn: string) =>
  fitName(`${service}-${stage}-${fn}-${region}`, 64);
