/** One problem with the request: where (`['body', 'email']`) and what. */
export interface Issue {
  path: (string | number)[];
  message: string;
}

/** The body of an HttpError's response (400 with `issues` for a validation failure). */
export interface HttpErrorBody {
  error: { code: string; message: string; issues?: Issue[]; requestId: string };
}

/** The body of a 500: nothing of the failure but the request id. */
export interface InternalErrorBody {
  error: { code: 'internal'; requestId: string };
}

/** API Gateway's own answers, and the kit's where it answers as API Gateway would (a timeout). */
export interface GatewayErrorBody {
  message: string;
}

/** Every error body a Gantry function or API Gateway in front of it can answer with. */
export type ErrorResponseBody = HttpErrorBody | InternalErrorBody | GatewayErrorBody;

export interface HttpErrorOptions extends ErrorOptions {
  /** Machine-readable code for clients; defaults per status (`not_found`, `conflict`, ...). */
  code?: string;
  issues?: Issue[];
  /** Extra response headers, e.g. `Retry-After` on a 429. */
  headers?: Record<string, string>;
  /** Details for the log only; never sent to the caller. */
  details?: Record<string, unknown>;
}

/**
 * An error the caller caused or may see: its status, code and message are sent in the response
 * body `{ error: { code, message, issues?, requestId } }`. Anything that is not an HttpError
 * becomes a 500 that reveals nothing.
 *
 * @example
 * throw new NotFoundError(`No note ${id}.`);
 */
export class HttpError extends Error {
  override name = 'HttpError';
  readonly statusCode: number;
  readonly code: string;
  readonly issues: Issue[] | undefined;
  readonly headers: Record<string, string> | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(statusCode: number, message: string, options: HttpErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.statusCode = statusCode;
    this.code = options.code ?? DEFAULT_CODES[statusCode] ?? 'error';
    this.issues = options.issues;
    this.headers = options.headers;
    this.details = options.details;
  }
}

const DEFAULT_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable_entity',
  429: 'too_many_requests',
};

function httpErrorClass(statusCode: number, name: string) {
  const Class = class extends HttpError {
    override name = name;
    constructor(message: string, options?: HttpErrorOptions) {
      super(statusCode, message, options);
    }
  };
  Object.defineProperty(Class, 'name', { value: name });
  return Class;
}

export const BadRequestError = httpErrorClass(400, 'BadRequestError');
export const UnauthorizedError = httpErrorClass(401, 'UnauthorizedError');
export const ForbiddenError = httpErrorClass(403, 'ForbiddenError');
export const NotFoundError = httpErrorClass(404, 'NotFoundError');
export const ConflictError = httpErrorClass(409, 'ConflictError');
export const PayloadTooLargeError = httpErrorClass(413, 'PayloadTooLargeError');
export const UnsupportedMediaTypeError = httpErrorClass(415, 'UnsupportedMediaTypeError');
export const UnprocessableEntityError = httpErrorClass(422, 'UnprocessableEntityError');
export const TooManyRequestsError = httpErrorClass(429, 'TooManyRequestsError');

/** The request failed validation: 400 with one issue per problem. */
export class ValidationError extends HttpError {
  override name = 'ValidationError';
  constructor(issues: Issue[], message = 'The request is not valid.') {
    super(400, message, { code: 'validation', issues });
  }
}

/**
 * Makes an error without capturing a stack trace (capturing costs ≈ 2 µs, more than the rest of a
 * request). For the kit's own 4xx errors, which are answers to the caller, not bugs to trace.
 */
export function withoutStack<T>(make: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

// `instanceof` fails when two copies of this package are installed; the shape decides too.
export function isHttpError(error: unknown): error is HttpError {
  if (error instanceof HttpError) return true;
  const e = error as Partial<HttpError> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.statusCode === 'number' &&
    e.statusCode >= 400 &&
    e.statusCode < 500 &&
    typeof e.code === 'string' &&
    typeof e.message === 'string'
  );
}
