import { isBucket, isQueue, isTable, type MethodMetadata } from '@gantry/decorators';
import type { DeclarationOrigin, DeclaredIn } from './declaration-origin.js';

/**
 * A function may consume, read, write or send to only the tables, queues and buckets its own
 * service deploys. Gantry deploys every table, queue and bucket a function names under the service's
 * and stage's name, so naming another service's declaration would make an empty copy here and read,
 * write or consume that copy instead: refused, with where the declaration lives and what to do instead.
 */
export function checkForeignDeclarations(
  record: MethodMetadata,
  declaredIn: DeclaredIn,
  where: string,
  problems: string[],
): void {
  const named: { value: unknown; how: string; fix: (dir: string) => string; rule?: string }[] = [];
  for (const use of record.uses) {
    if (isBucket(use.resource)) {
      named.push({
        value: use.resource,
        how: `@uses(${use.resource.name}, ${JSON.stringify(use.access).replaceAll('"', "'")}) names bucket '${use.resource.name}'`,
        fix: (dir) =>
          `let that service's own functions (${dir}) read or write it, e.g. one that signs an upload or download URL this service's page asks for, or declare a bucket in this service`,
        rule: BUCKET_RULE,
      });
    } else if (isTable(use.resource)) {
      named.push({
        value: use.resource,
        how: `@uses(${use.resource.name}, ${JSON.stringify(use.access).replaceAll('"', "'")}) names table '${use.resource.name}'`,
        fix: (dir) =>
          `use it from that service's own functions (${dir}), e.g. have one of them send what this function needs to a queue declared in this service, and consume that here`,
      });
    } else if (isQueue(use.resource)) {
      named.push({
        value: use.resource,
        how: `@uses(${use.resource.name}, 'send') names queue '${use.resource.name}'`,
        fix: (dir) =>
          `send to a queue declared in this service and consume it here, or let that service (${dir}) send to its own queue`,
      });
    }
  }
  for (const trigger of record.triggers) {
    if (trigger.type === 'queue' && isQueue(trigger.queue)) {
      named.push({
        value: trigger.queue,
        how: `@consumes(${trigger.queue.name}) names queue '${trigger.queue.name}'`,
        fix: (dir) =>
          `consume it in its own service (${dir}); to hand work to this service, declare a queue here and have that service send to it`,
      });
    } else if (trigger.type === 'object' && isBucket(trigger.bucket)) {
      const decorator = trigger.events === 'created' ? '@onObjectCreated' : '@onObjectRemoved';
      named.push({
        value: trigger.bucket,
        how: `${decorator}(${trigger.bucket.name}) names bucket '${trigger.bucket.name}'`,
        fix: (dir) =>
          `handle its objects in its own service (${dir}), e.g. a ${decorator} there that sends what this service needs to a queue declared here`,
        rule: BUCKET_RULE,
      });
    } else if (trigger.type === 'change' && isTable(trigger.table)) {
      const name = trigger.table.name;
      named.push({
        value: trigger.table,
        how: `@onChange(${name}) names table '${name}'`,
        fix: (dir) =>
          `consume its changes in its own service (${dir}), e.g. an @onChange there that sends what this service needs to a queue declared here`,
      });
      const failed = trigger.options.onFailure;
      if (isQueue(failed)) {
        named.push({
          value: failed,
          how: `@onChange(${name}, { onFailure: ${failed.name} }) names queue '${failed.name}'`,
          fix: () => 'send failed batches to a queue declared in this service',
        });
      }
    }
  }
  const reported = new Set<unknown>();
  for (const { value, how, fix, rule = RULE } of named) {
    if (reported.has(value)) continue;
    const origin = declaredIn(value);
    const problem = origin && foreignProblem(origin, how, fix, rule);
    if (problem) {
      reported.add(value);
      problems.push(`${where}: ${problem}`);
    }
  }
}

// The rule, as every message states it (the same as DeclarationOwner's).
const RULE =
  "a table or queue belongs to the service whose folder holds the file that declares it (the nearest folder above it with a serverless config), or, when a package.json comes first, to each service that uses that package; a function uses only its own service's tables and queues, since Gantry deploys a copy of each it names as '<service>-<stage>-<name>'";

// The same rule for buckets, with their deployed name.
const BUCKET_RULE =
  "a bucket belongs to the service whose folder holds the file that declares it (the nearest folder above it with a serverless config), or, when a package.json comes first, to each service that uses that package; a function uses only its own service's buckets, since Gantry deploys a copy of each it names as '<service>-<stage>-<name>-<account>-<region>'";

function foreignProblem(
  origin: DeclarationOrigin,
  how: string,
  fix: (dir: string) => string,
  rule: string,
): string | undefined {
  const { owner } = origin;
  if (owner.kind === 'service') {
    return `${how}, declared in ${origin.file}, which belongs to another service (${owner.dir}/${owner.config}): ${rule}. Fix: ${fix(owner.dir)}.`;
  }
  if (owner.kind === 'none') {
    return `${how}, declared in ${origin.file}, outside this service's folder and outside any package, so it belongs to no service: ${rule}. Fix: move the declaration into this service's folder, or into a shared package (a folder with its own package.json) that each service using it imports.`;
  }
  return undefined;
}
