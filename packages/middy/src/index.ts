export { type ChangeHandlerOptions, changeHandler, tableChange } from './events/change-handler.js';
export {
  InvalidMessageError,
  isInvalidMessageError,
  type QueueMessage,
  type TableChange,
} from './events/messages.js';
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
export { installOfflineGuards, ProcessExitError } from './offline-guards.js';
export type { HttpEvent, HttpRequest, RequestSchemas } from './request.js';
export { created, type HttpResult, isHttpResult, redirect, respond, toHttpResponse } from './response.js';
