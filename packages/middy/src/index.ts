export { type ChangeHandlerOptions, changeHandler, tableChange } from './events/change-handler.js';
export {
  InvalidMessageError,
  isInvalidMessageError,
  type ObjectEvent,
  type QueueMessage,
  type TableChange,
} from './events/messages.js';
export { type ObjectHandlerOptions, objectEvent, objectHandler } from './events/object-handler.js';
export { type QueueHandlerOptions, queueHandler } from './events/queue-handler.js';
export { type ScheduledHandlerOptions, scheduledHandler } from './events/scheduled-handler.js';
export {
  BadRequestError,
  ConflictError,
  type ErrorResponseBody,
  ForbiddenError,
  type GatewayErrorBody,
  HttpError,
  type HttpErrorBody,
  type HttpErrorOptions,
  type InternalErrorBody,
  type Issue,
  isHttpError,
  NotFoundError,
  PayloadTooLargeError,
  TooManyRequestsError,
  UnauthorizedError,
  UnprocessableEntityError,
  UnsupportedMediaTypeError,
  ValidationError,
} from './http-errors.js';
export { type HttpHandlerOptions, httpHandler } from './http-handler.js';
export { createLogger, type Logger, type LoggerOptions, type LogLevel } from './log.js';
export { metrics } from './metrics/current-invocation.js';
export type { MetricOptions, Metrics, MetricsSettings } from './metrics/emf-writer.js';
export { KIT_METRICS, type KitMetricKind, kitMetricCount, kitMetricsNamespace } from './metrics/kit-metrics.js';
export { EMF_LIMITS, isMetricsError, METRIC_UNITS, MetricsError, type MetricUnit } from './metrics/metric-rules.js';
export { installOfflineGuards, ProcessExitError } from './offline-guards.js';
export type { HttpEvent, HttpRequest, RequestSchemas } from './request.js';
export { created, type HttpResult, isHttpResult, redirect, respond, toHttpResponse } from './response.js';
