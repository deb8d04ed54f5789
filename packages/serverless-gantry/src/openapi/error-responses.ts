/**
 * The error bodies a Gantry API answers with, as JSON Schema for OpenAPI's `components.schemas`.
 * Two families: the kit's (`@gantry/middy`, http-error-response.ts: `{ error: { code, message,
 * issues?, requestId } }`, and `{ error: { code: 'internal', requestId } }` for a 500) and API
 * Gateway's own (`{ message }`: its 401, 403, 404, 413, 429, 500, 503, 504), which the kit also uses
 * where it answers as API Gateway would (a timeout, a crashed runtime).
 */
export const errorSchemas = {
  Issue: {
    type: 'object',
    description: 'One problem with the request: where (`["body", "title"]`) and what.',
    properties: {
      path: { type: 'array', items: { type: ['string', 'integer'] } },
      message: { type: 'string' },
    },
    required: ['path', 'message'],
  },
  ApiError: {
    type: 'object',
    description: "An error the function answered with (the kit's HttpError family).",
    properties: {
      error: {
        type: 'object',
        properties: {
          code: { type: 'string', description: '`validation`, `malformed_json`, `not_found`, `conflict`, ...' },
          message: { type: 'string' },
          issues: { type: 'array', items: { $ref: '#/components/schemas/Issue' } },
          requestId: { type: 'string' },
        },
        required: ['code', 'message', 'requestId'],
      },
    },
    required: ['error'],
  },
  InternalError: {
    type: 'object',
    description: 'An unexpected failure in the function: nothing of it is revealed but the request id.',
    properties: {
      error: {
        type: 'object',
        properties: { code: { const: 'internal' }, requestId: { type: 'string' } },
        required: ['code', 'requestId'],
      },
    },
    required: ['error'],
  },
  GatewayError: {
    type: 'object',
    description: 'API Gateway\'s own answer (`{"message":"Not Found"}`).',
    properties: { message: { type: 'string' } },
    required: ['message'],
  },
} as const;

const ref = (name: keyof typeof errorSchemas) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ content: { 'application/json': { schema } } });

/** Reusable responses (`components.responses`), one per status the API can answer with. */
export const errorResponses = {
  BadRequest: {
    description: 'The request is not valid: `code` `validation` lists every problem in `issues`.',
    ...json(ref('ApiError')),
  },
  Unauthorized: { description: "No valid token (API Gateway's JWT authorizer).", ...json(ref('GatewayError')) },
  Forbidden: { description: 'The token lacks a scope this route requires.', ...json(ref('GatewayError')) },
  NotFound: {
    description: 'No such item (the function), or no such route (API Gateway).',
    ...json({ oneOf: [ref('ApiError'), ref('GatewayError')] }),
  },
  Conflict: {
    description: 'A write condition failed: the item was changed or already exists.',
    ...json(ref('ApiError')),
  },
  PayloadTooLarge: {
    description: "The body is over the function's limit (1 MiB by default) or API Gateway's.",
    ...json({ oneOf: [ref('ApiError'), ref('GatewayError')] }),
  },
  UnsupportedMediaType: {
    description: 'The body is not JSON or a form (`content-type`).',
    ...json(ref('ApiError')),
  },
  TooManyRequests: { description: "Throttled by the stage's rate or burst limit.", ...json(ref('GatewayError')) },
  InternalError: {
    description: 'The function failed: only the request id is revealed.',
    ...json({ oneOf: [ref('InternalError'), ref('GatewayError')] }),
  },
  ServiceUnavailable: { description: 'The function ran out of time.', ...json(ref('GatewayError')) },
} as const;

export type ErrorResponseName = keyof typeof errorResponses;
