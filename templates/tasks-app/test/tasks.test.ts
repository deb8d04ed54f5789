import { httpHandler } from '@gantry/middy';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { TasksApi } from '../src/tasks.js';
import { Web } from '../src/web.js';

// The handlers as API Gateway calls them, through the kit. Validation answers before any DynamoDB
// call, so these need no database; round trips run against the embedded DynamoDB of `sls offline`.
const event = (init: Partial<APIGatewayProxyEventV2WithJWTAuthorizer>) =>
  ({
    version: '2.0',
    rawPath: '/',
    headers: { 'content-type': 'application/json' },
    requestContext: { http: { method: 'POST', path: '/' }, requestId: 'r1' },
    isBase64Encoded: false,
    ...init,
  }) as APIGatewayProxyEventV2WithJWTAuthorizer;
const context = { awsRequestId: 'r1' } as Context;
const quiet = { logger: { level: 'silent' as const } };
const list = { listId: 'groceries-2026' };
const bodyOf = (response: { body?: string | undefined }) => JSON.parse(response.body ?? '');

describe('TasksApi validation', () => {
  it('rejects a blank title with a 400 the page can show', async () => {
    const create = httpHandler(TasksApi, 'create', quiet);
    const response = await create(event({ pathParameters: list, body: '{"title":"   "}' }), context);
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error.issues).toEqual([{ path: ['body', 'title'], message: 'Give the task a title.' }]);
  });

  it('rejects a list id that is too short or has other characters', async () => {
    const create = httpHandler(TasksApi, 'create', quiet);
    const response = await create(event({ pathParameters: { listId: 'a/b' }, body: '{"title":"x"}' }), context);
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error.issues[0].path).toEqual(['params', 'listId']);
  });

  it('requires the version the client saw, and a change, to update a task', async () => {
    const update = httpHandler(TasksApi, 'update', quiet);
    const id = { id: '7d1b3c1e-6a8e-4a57-9c43-2f0a6f7c1b2d' };
    const noVersion = await update(event({ pathParameters: id, body: '{"done":true}' }), context);
    expect(noVersion.statusCode).toBe(400);
    expect(bodyOf(noVersion).error.issues[0].path).toEqual(['body', 'version']);
    const noChange = await update(event({ pathParameters: id, body: '{"version":1}' }), context);
    expect(noChange.statusCode).toBe(400);
    expect(bodyOf(noChange).error.issues[0].message).toBe('Change the title or done.');
  });

  it('refuses fields it does not know, so a typo is not silently dropped', async () => {
    const create = httpHandler(TasksApi, 'create', quiet);
    const response = await create(event({ pathParameters: list, body: '{"title":"x","titel":"y"}' }), context);
    expect(response.statusCode).toBe(400);
  });

  it('keeps page sizes between 1 and 100', async () => {
    const listTasks = httpHandler(TasksApi, 'list', quiet);
    const response = await listTasks(event({ pathParameters: list, queryStringParameters: { limit: '500' } }), context);
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error.issues[0].path).toEqual(['query', 'limit']);
  });
});

describe('Web', () => {
  it('serves the page with a policy that lets only its own script and style run', async () => {
    const response = await httpHandler(Web, 'page', quiet)(event({}), context);
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toContain('<form id="new">');
    const policy = response.headers?.['content-security-policy'] ?? '';
    expect(policy).toMatch(/script-src 'sha256-[A-Za-z0-9+/]+=*'/);
    expect(policy).not.toContain('unsafe-inline');
  });
});
