export { type Access, accessActions, combineAccess, isAccess, READ_ACTIONS, WRITE_ACTIONS } from './access.js';
export { any, api, auth, del, fn, get, patch, post, put, type RouteOptions, route, uses } from './decorators.js';
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
