import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import {
  type GatewayErrorBody,
  type HttpErrorBody,
  type InternalErrorBody,
  type Issue,
  isHttpError,
} from '../http-errors.js';
import type { Logger } from '../log.js';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Errors → responses. An HttpError (or anything shaped like one) keeps its status and message; a
 * failed DynamoDB condition is a 409; anything else is a 500 with only a code and the request id,
 * its full error and stack logged once. Hand-written because @middy/http-error-handler answers in
 * plain text, logs every error with console.error (≈ 38 µs a call) and has no issues list.
 */
export function httpErrorResponse(logger: Logger): MiddlewareObj {
  const httpErrorResponseOnError = (request: {
    error: unknown;
    response: unknown;
    context: Context;
    event: unknown;
  }) => {
    const { error } = request;
    const requestId = request.context.awsRequestId ?? '';
    if (isHttpError(error)) {
      const body: HttpErrorBody = { error: { code: error.code, message: error.message, ...issues(error), requestId } };
      request.response = json(error.statusCode, body, error.headers);
      return;
    }
    // What API Gateway answers when the function times out or its runtime crashes, in its words.
    if (isNamed(error, 'TimeoutError')) {
      logger.log('error', { msg: 'Task timed out', requestId });
      request.response = json(503, { message: 'Service Unavailable' } satisfies GatewayErrorBody);
      return;
    }
    if (isNamed(error, 'ProcessExitError')) {
      logger.log('error', { msg: 'Runtime.ExitError', requestId, error: serializeError(error) });
      request.response = json(500, { message: 'Internal Server Error' } satisfies GatewayErrorBody);
      return;
    }
    if (isConditionalCheckFailed(error)) {
      const body: HttpErrorBody = {
        error: { code: 'conflict', message: 'The item was changed or already exists.', requestId },
      };
      request.response = json(409, body);
      return;
    }
    logger.log('error', { msg: 'unhandled error', requestId, error: serializeError(error) });
    request.response = json(500, { error: { code: 'internal', requestId } } satisfies InternalErrorBody);
  };
  return { onError: httpErrorResponseOnError };
}

function json(statusCode: number, body: unknown, headers?: Record<string, string>) {
  return { statusCode, headers: { ...headers, 'content-type': JSON_TYPE }, body: JSON.stringify(body) };
}

const issues = (error: { issues?: Issue[] | undefined }) => (error.issues ? { issues: error.issues } : {});

const isNamed = (error: unknown, name: string) => error instanceof Error && error.name === name;

// By name: the SDK's error class is not imported here, so HTTP-only functions never load the SDK.
function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

export function serializeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { value: String(error) };
  const out: Record<string, unknown> = { name: error.name, message: error.message, stack: error.stack };
  if (error.cause !== undefined) out.cause = serializeError(error.cause);
  return out;
}
