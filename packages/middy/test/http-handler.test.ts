import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { type HttpRequest, httpHandler } from '../src/index.js';

function event(
  overrides: Partial<APIGatewayProxyEventV2WithJWTAuthorizer> = {},
): APIGatewayProxyEventV2WithJWTAuthorizer {
  return {
    version: '2.0',
    routeKey: 'POST /notes/{id}',
    rawPath: '/notes/n1',
    rawQueryString: 'a=1',
    headers: { 'content-type': 'application/json' },
    queryStringParameters: { a: '1' },
    pathParameters: { id: 'n1' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: 'POST', path: '/notes/n1', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'req-1',
      routeKey: 'POST /notes/{id}',
      stage: '$default',
      time: '27/Nov/2026:15:00:00 +0000',
      timeEpoch: 0,
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims: { sub: 'user-1' }, scopes: [] } },
    },
    body: '{"text":"hi"}',
    isBase64Encoded: false,
    ...overrides,
  };
}
const context = { awsRequestId: 'aws-req-1' } as Context;

class NotesApi {
  static seen: HttpRequest | undefined;
  static async update(request: HttpRequest) {
    NotesApi.seen = request;
    return { id: request.params.id, body: request.body };
  }
  static async remove() {
    return undefined;
  }
  static async fail(): Promise<never> {
    throw new Error('database password is hunter2');
  }
}

describe('httpHandler', () => {
  it('passes params, query, headers, JSON body, claims and request id to the method', async () => {
    const response = await httpHandler(NotesApi, 'update')(event(), context);
    expect(response).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'n1', body: { text: 'hi' } }),
    });
    expect(NotesApi.seen).toMatchObject({
      requestId: 'aws-req-1',
      method: 'POST',
      query: { a: '1' },
      claims: { sub: 'user-1' },
    });
  });

  it('answers 204 when the method returns nothing', async () => {
    expect(await httpHandler(NotesApi, 'remove')(event(), context)).toEqual({ statusCode: 204 });
  });

  it('answers 400 with a JSON error for a malformed JSON body', async () => {
    const response = await httpHandler(NotesApi, 'update')(event({ body: '{"text":' }), context);
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body ?? '')).toEqual({
      error: { code: 'bad_request', message: 'The request body is not valid JSON.', requestId: 'aws-req-1' },
    });
  });

  it('answers 500 without the message or stack of an unknown error, and logs it', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const response = await httpHandler(NotesApi, 'fail')(event(), context);
    expect(response.statusCode).toBe(500);
    expect(response.body).toBe(JSON.stringify({ error: { code: 'internal', requestId: 'aws-req-1' } }));
    expect(log).toHaveBeenCalledOnce();
    expect(String(log.mock.calls[0]?.[0])).toContain('hunter2');
    log.mockRestore();
  });

  it('refuses a method that does not exist when the handler is made', () => {
    expect(() => httpHandler(NotesApi, 'missing' as 'update')).toThrow(
      'httpHandler: NotesApi.missing is not a function',
    );
  });
});
