import {
  type BucketAccessLevel,
  type BucketDefinition,
  type BucketUseOptions,
  bucketAccessLevels,
  bucketEnvVar,
  isBucket,
  isBucketAccess,
  type MethodMetadata,
  type TriggerMetadata,
} from '@gantry/decorators';
import { deployedBucketName } from '../generate/names.js';
import type { ManifestBucket, ManifestBucketUse, ManifestFunction, ManifestObjectTrigger } from '../manifest.js';

/** S3's own default for a multipart upload left unfinished is never: its parts are billed until aborted. */
const ABORT_INCOMPLETE_UPLOADS_DAYS = 1;
/** How long a replaced version stays on a versioned bucket, unless declared. */
const NONCURRENT_VERSIONS_DAYS = 30;

type Where = string;

/**
 * A method's uses of buckets: one entry per bucket and prefix, the levels of repeated uses combined.
 * Bad access levels and prefixes were recorded by the decorator and are reported from there.
 */
export function bucketUses(record: MethodMetadata, found: (def: BucketDefinition) => void): ManifestBucketUse[] {
  const byKey = new Map<string, { bucket: string; levels: BucketAccessLevel[]; prefix?: string }>();
  for (const use of record.uses) {
    if (!isBucket(use.resource) || !isBucketAccess(use.access)) continue;
    found(use.resource);
    const prefix = (use.options as BucketUseOptions | undefined)?.prefix;
    if (prefix !== undefined && typeof prefix !== 'string') continue; // reported by the decorator
    const key = JSON.stringify([use.resource.name, prefix ?? '']);
    const known = byKey.get(key);
    const levels = [...(known?.levels ?? []), ...bucketAccessLevels(use.access)];
    byKey.set(key, { bucket: use.resource.name, levels, ...(prefix ? { prefix } : {}) });
  }
  return [...byKey.values()].map(({ bucket, levels, prefix }) => ({
    bucket,
    access: bucketAccessLevels(levels),
    ...(prefix !== undefined ? { prefix } : {}),
  }));
}

/** `@onObjectCreated` / `@onObjectRemoved` as the Manifest holds it; undefined for a value that is no bucket (reported by the decorator). */
export function objectTrigger(
  trigger: Extract<TriggerMetadata, { type: 'object' }>,
  found: (def: BucketDefinition) => void,
): ManifestObjectTrigger | undefined {
  if (!isBucket(trigger.bucket)) return undefined;
  found(trigger.bucket);
  const { prefix, suffix } = trigger.options;
  return {
    type: 'object',
    bucket: trigger.bucket.name,
    events: trigger.events,
    // An empty filter is no filter (and S3 refuses an empty filter rule).
    ...(typeof prefix === 'string' && prefix !== '' ? { prefix } : {}),
    ...(typeof suffix === 'string' && suffix !== '' ? { suffix } : {}),
  };
}

/** The Manifest entry of a bucket, its lifecycle defaults applied and its numbers checked. */
export function manifestBucket(
  def: BucketDefinition,
  source: string,
  context: { service: string; stage: string },
  problems: string[],
): ManifestBucket {
  const where = `${source} › bucket '${def.name}'`;
  const declared = def.lifecycle ?? {};
  const lifecycle = {
    ...declared,
    abortIncompleteUploadsAfterDays: declared.abortIncompleteUploadsAfterDays ?? ABORT_INCOMPLETE_UPLOADS_DAYS,
    noncurrentVersionsExpireAfterDays: declared.noncurrentVersionsExpireAfterDays ?? NONCURRENT_VERSIONS_DAYS,
  };
  for (const key of [
    'expireAfterDays',
    'abortIncompleteUploadsAfterDays',
    'noncurrentVersionsExpireAfterDays',
  ] as const) {
    const days = lifecycle[key];
    if (days !== undefined && (!Number.isInteger(days) || days < 1)) {
      problems.push(
        `${where}: lifecycle.${key} is ${JSON.stringify(days)}; S3's lifecycle rules count whole days from 1: give a whole number of at least 1.`,
      );
    }
  }
  if (def.versioned === false && declared.noncurrentVersionsExpireAfterDays !== undefined) {
    problems.push(
      `${where}: lifecycle.noncurrentVersionsExpireAfterDays applies to versioned buckets only, and this one is declared versioned: false; remove one of them.`,
    );
  }
  const cors = def.cors ?? true;
  if (typeof cors === 'object') {
    const { origins, maxAgeSeconds } = cors;
    if (origins !== undefined && (!Array.isArray(origins) || origins.some((o) => typeof o !== 'string' || o === ''))) {
      problems.push(
        `${where}: cors.origins must be a list of origins such as ['https://app.example.com'] (an empty list allows none).`,
      );
    }
    if (maxAgeSeconds !== undefined && (!Number.isInteger(maxAgeSeconds) || maxAgeSeconds < 0)) {
      problems.push(`${where}: cors.maxAgeSeconds must be a whole number of seconds, 0 or more.`);
    }
  }
  return {
    name: def.name,
    bucketName: deployedBucketName(context.service, context.stage, def.name),
    envVar: bucketEnvVar(def),
    cors,
    lifecycle,
    ...(def.versioned !== undefined ? { versioned: def.versioned } : {}),
    source,
  };
}

/**
 * S3 refuses a bucket's notification configuration when two of its rules for the same kind of event
 * could both match one key ("Configurations overlap"): their prefixes overlap (one starts with the
 * other; none is the empty prefix) and so do their suffixes. Found here, it names both methods.
 */
export function checkObjectTriggers(functions: ManifestFunction[], problems: string[]): void {
  const seen: { fn: ManifestFunction; trigger: ManifestObjectTrigger }[] = [];
  for (const fn of functions) {
    for (const trigger of fn.triggers) {
      if (trigger.type !== 'object') continue;
      const other = seen.find(
        (s) =>
          s.trigger.bucket === trigger.bucket &&
          s.trigger.events === trigger.events &&
          overlaps(s.trigger.prefix, trigger.prefix, (a, b) => a.startsWith(b)) &&
          overlaps(s.trigger.suffix, trigger.suffix, (a, b) => a.endsWith(b)),
      );
      if (other) {
        problems.push(
          `${at(fn)}: ${describeTrigger(trigger)} overlaps ${describeTrigger(other.trigger)} of ${at(other.fn)}: S3 refuses two notifications for the same event whose prefix and suffix could both match one key; give them prefixes (or suffixes) where neither starts (or ends) with the other, or handle both in one method.`,
        );
      }
      seen.push({ fn, trigger });
    }
  }
}

const overlaps = (a = '', b = '', contains: (longer: string, shorter: string) => boolean) =>
  contains(a, b) || contains(b, a);

function describeTrigger(trigger: ManifestObjectTrigger): string {
  const decorator = trigger.events === 'created' ? '@onObjectCreated' : '@onObjectRemoved';
  const filters = [
    ...(trigger.prefix !== undefined ? [`prefix: '${trigger.prefix}'`] : []),
    ...(trigger.suffix !== undefined ? [`suffix: '${trigger.suffix}'`] : []),
  ];
  return `${decorator}(${trigger.bucket}${filters.length > 0 ? `, { ${filters.join(', ')} }` : ''})`;
}

const at = (fn: ManifestFunction): Where => `${fn.source} › ${fn.class}.${fn.method}`;
