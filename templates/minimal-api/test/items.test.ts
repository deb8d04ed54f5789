import { httpHandler } from '@gantry/middy';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { ItemsApi } from '../src/items.js';

// The handlers as API Gateway calls them, through the kit. Validation answers before any DynamoDB
// call, so these need no database; round trips run against the embedded local DynamoDB of `sls offline`.
const event = (init: Partial<APIGatewayProxyEventV2WithJWTAuthorizer>) =>
  ({
    version: '2.0',
    routeKey: 'POST /items',
    rawPath: '/items',
    headers: { 'content-type': 'application/json' },
    requestContext: { http: { method: 'POST', path: '/items' }, requestId: 'r1' },
    isBase64Encoded: false,
    ...init,
  }) as APIGatewayProxyEventV2WithJWTAuthorizer;
const context = { awsRequestId: 'r1' } as Context;
const quiet = { logger: { level: 'silent' as const } };

describe('ItemsApi', () => {
  it('rejects an item without a name with a 400 that says why', async () => {
    const response = await httpHandler(ItemsApi, 'create', quiet)(event({ body: '{"name":"  "}' }), context);
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body ?? '')).toMatchObject({
      error: { code: 'validation', issues: [{ path: ['body', 'name'], message: expect.stringContaining('>=1') }] },
    });
  });

  it('rejects an id that is not a UUID with a 400', async () => {
    const response = await httpHandler(ItemsApi, 'read', quiet)(event({ pathParameters: { id: 'nope' } }), context);
    expect(response.statusCode).toBe(400);
  });
});
