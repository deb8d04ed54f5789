export { type Access, accessActions, combineAccess, isAccess, READ_ACTIONS, WRITE_ACTIONS } from './access.js';
export { type DeclarationSite, declarationSite } from './declared-at.js';
export {
  any,
  api,
  auth,
  consumes,
  del,
  fn,
  get,
  onChange,
  patch,
  post,
  put,
  type QueueAccess,
  type RouteOptions,
  route,
  schedule,
  uses,
} from './decorators.js';
export {
  type ApiOptions,
  type AuthRequirement,
  type ClassMetadata,
  type CorsOptions,
  type FunctionOptions,
  type HttpMethod,
  type IamStatement,
  type MethodMetadata,
  type RequestSchemas,
  type RouteMetadata,
  readClassMetadata,
  type Schema,
  type UseMetadata,
} from './metadata.js';
export { isQueue, type MessageOf, type QueueDefinition, type QueueOptions, queue, queueEnvVar } from './queue.js';
export { metadataSymbol } from './symbol-metadata.js';
export {
  type IndexDefinition,
  isTable,
  type KeyAttribute,
  type KeyType,
  type StreamView,
  type TableDefinition,
  type TableOptions,
  table,
  tableEnvVar,
} from './table.js';
export type { ChangeOptions, ConsumeOptions, ScheduleOptions, TriggerMetadata } from './triggers.js';
