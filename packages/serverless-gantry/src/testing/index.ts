/**
 * Testing a Gantry service in its own vitest tests, without `sls offline`: the embedded DynamoDB
 * with IAM enforced per function, and requests through each function's generated handler.
 * @module
 */
export type { TokenOptions } from '../auth/mint-token.js';
export type { MetricDatapoint } from '../offline/run/emf-check.js';
export {
  EmfError,
  type EmittedMetric,
  type LocalService,
  type LocalServiceOptions,
  startLocalService,
  type TestResponse,
} from './local-service.js';
export type { TestRequest } from './payload-event.js';
