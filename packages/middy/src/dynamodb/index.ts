export { documentClient } from './client.js';
export { isTableAccessDeniedError, TableAccessDeniedError } from './table-access-error.js';
export {
  type Condition,
  type Item,
  type Key,
  type Page,
  type QueryInput,
  type TableClient,
  type TableClientOptions,
  tableClient,
} from './table-client.js';
