import type { MiddlewareObj } from '@middy/core';
import { toHttpResponse } from '../response.js';

/** The method's return value → payload 2.0 response: JSON 200, 204, or what `respond()` asked for. */
export function httpResponse(): MiddlewareObj {
  const httpResponseAfter = (request: { response: unknown }) => {
    request.response = toHttpResponse(request.response);
  };
  return { after: httpResponseAfter };
}
