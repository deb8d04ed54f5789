import { createHash } from 'node:crypto';
import type { LocalIdentity } from '../iam/caller.js';
import type { LocalAccount } from '../iam/resolve-arns.js';

/** Who made an S3 request: a function's key, the shell's key, or no signature at all. */
export interface S3Caller {
  accessKeyId: string | undefined;
  identity: LocalIdentity | undefined;
  /** The payload hash the signature covers (`UNSIGNED-PAYLOAD` for presigned and unsigned requests). */
  payloadHash: string;
}

/**
 * The `principalId` S3 writes in an event record: `AWS:<role id>:<session>` for a function (its
 * session is its name, as Lambda's), `AWS:<key>` for the shell, `Anonymous` when unsigned. Local
 * role IDs are made from the role name in IAM's shape (`AROA` and 17 upper-case characters).
 */
export function principalId(caller: S3Caller, account: LocalAccount): string {
  if (caller.identity) return `AWS:${roleId(caller.identity.roleName, account)}:${caller.identity.functionName}`;
  return caller.accessKeyId ? `AWS:${caller.accessKeyId}` : 'Anonymous';
}

/** The bucket owner's ID in event records: one per local account, in S3's shape. */
export const ownerPrincipalId = (account: LocalAccount) => `A${digest(`owner:${account.accountId}`).slice(0, 13)}`;

const roleId = (roleName: string, account: LocalAccount) =>
  `AROA${digest(`role:${account.accountId}:${roleName}`).slice(0, 17)}`;

const digest = (text: string) => createHash('sha256').update(text).digest('hex').toUpperCase();
