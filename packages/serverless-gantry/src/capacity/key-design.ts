import type { KeyAttribute } from '@gantry/decorators';

/**
 * What a partition key's declaration says about how its values spread, read from the declaration
 * alone (Gantry never sees the data):
 * - `few-values`: its name is one that holds few distinct values (a status, a type, a flag, a date):
 *   everything with one value lands on one partition, so assume one value takes all its traffic;
 * - `generic`: a single-table name (`pk`, `gsi1pk`): what the code writes decides, and a constant
 *   written there (`'ALL'`, a type name) puts every item in one partition;
 * - `spread`: nothing in the design concentrates it; it runs hot only if one value (one user, one
 *   list) takes more than its share of the table's traffic.
 */
export type KeySpread = 'few-values' | 'generic' | 'spread';

const FEW_VALUES =
  /^(status|state|type|kind|category|level|tier|priority|stage|phase|done|active|enabled|disabled|deleted|archived|visible|hidden|published|flag|gender|role|date|day|month|year|hour|week|region|country|locale|lang|language|currency|source)$/i;
const FLAG = /^(is|has|can|should)[A-Z_]/;
// Single-table names: pk, PK1, gsi1pk, GSI1_PK, partitionKey, hashKey, key.
const GENERIC = /^((gsi|lsi)?\d*_?pk\d*|partition_?key|partition|hash_?key|hash|key)$/i;

export function keySpread(key: KeyAttribute): { spread: KeySpread; reason: string } {
  if (FEW_VALUES.test(key.name) || FLAG.test(key.name)) {
    return {
      spread: 'few-values',
      reason: `'${key.name}' names a value with few distinct values: each one is a single partition, so one value is assumed to take all of its traffic`,
    };
  }
  if (GENERIC.test(key.name)) {
    return {
      spread: 'generic',
      reason: `'${key.name}' is a generic key: what the code writes decides; a constant value there (e.g. 'ALL' or a type name) is a single partition`,
    };
  }
  return {
    spread: 'spread',
    reason: `'${key.name}' spreads by its values; hot only if one value takes more than its share`,
  };
}
