import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import type { Metrics } from './metrics/emf-writer.js';

/** What the decorators can say about a request: `{ body?, query?, params? }` schemas. */
export interface RequestSchemas {
  body?: StandardSchemaV1;
  query?: StandardSchemaV1;
  params?: StandardSchemaV1;
}

/** The output type of schema `S[K]`, or `Fallback` when the route has no such schema. */
type Part<S, K extends keyof RequestSchemas, Fallback> = S extends { [P in K]: infer T }
  ? T extends StandardSchemaV1
    ? StandardSchemaV1.InferOutput<T>
    : Fallback
  : Fallback;

/**
 * The request a decorated method receives. With schemas, `body`, `query` and `params` have the
 * schemas' output types (validated before the method runs); without, the raw shapes.
 *
 * @example
 * const NoteInput = z.object({ text: z.string() });
 * static async create(request: HttpRequest<{ body: typeof NoteInput }>) {
 *   request.body.text; // string
 * }
 */
export interface HttpRequest<S extends RequestSchemas = Record<never, never>> {
  requestId: string;
  /** `GET`, `POST`, ... */
  method: string;
  /** The route key as API Gateway matched it, e.g. `GET /notes/{id}`. */
  route: string;
  path: string;
  params: Part<S, 'params', Record<string, string>>;
  /** Query values; repeated keys arrive joined by commas, as API Gateway joins them. */
  query: Part<S, 'query', Record<string, string>>;
  /** Header names in lower case; repeated headers joined by commas. */
  headers: Record<string, string>;
  cookies: Record<string, string>;
  /**
   * JSON and form bodies parsed, `text/*` as a string, other types as a Buffer, `undefined`
   * without a body.
   */
  body: Part<S, 'body', unknown>;
  /** The caller's JWT claims when the route has an authorizer; `{}` otherwise. */
  claims: Record<string, unknown>;
  /**
   * The method's own metrics, written in the request's log line in CloudWatch's Embedded Metric
   * Format with the kit's (`metrics.add('TasksCreated', 'Count', 1)`).
   */
  metrics: Metrics;
  /** The event as API Gateway sent it. */
  event: HttpEvent;
}

export type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
