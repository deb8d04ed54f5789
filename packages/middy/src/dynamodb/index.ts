export { documentClient } from './client.js';
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
