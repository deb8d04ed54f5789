import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { type LocalService, startLocalService } from 'serverless-gantry/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The service as it runs deployed, without `sls offline`: each request goes through the route API
// Gateway would pick and the generated handler of its function, with that function's own credentials
// against the embedded DynamoDB, where its generated IAM policy is enforced.
let service: LocalService;
beforeAll(async () => {
  service = await startLocalService({ servicePath: new URL('..', import.meta.url).pathname });
});
afterAll(() => service?.stop());

describe('ItemsApi', () => {
  it('creates an item and reads it back', async () => {
    const created = await service.request('POST', '/items', { body: { name: 'First item' } });
    expect(created.status).toBe(201);
    const item = created.body as { id: string; name: string };
    expect(item.name).toBe('First item');
    expect(created.headers.location).toBe(`/items/${item.id}`);

    const read = await service.request('GET', `/items/${item.id}`);
    expect(read).toMatchObject({ status: 200, body: item });
  });

  it('answers 404 for an item that does not exist', async () => {
    const response = await service.request('GET', '/items/7d1b3c1e-6a8e-4a57-9c43-2f0a6f7c1b2d');
    expect(response.status).toBe(404);
  });

  it('rejects an item without a name with a 400 that says what is missing', async () => {
    const blank = await service.request('POST', '/items', { body: { name: '  ' } });
    expect(blank.status).toBe(400);
    expect(blank.body).toMatchObject({
      error: { code: 'validation', issues: [{ path: ['body', 'name'], message: 'Must not be empty.' }] },
    });
    const missing = await service.request('POST', '/items', { body: { nam: 'typo' } });
    expect(missing.body).toMatchObject({
      error: {
        issues: [
          { path: ['body', 'name'], message: 'name is required.' },
          { path: ['body', 'nam'], message: 'Unknown field: nam.' },
        ],
      },
    });
  });

  it('rejects an id that is not a UUID with a 400', async () => {
    const response = await service.request('GET', '/items/nope');
    expect(response).toMatchObject({
      status: 400,
      body: { error: { issues: [{ path: ['params', 'id'], message: 'Must be a UUID.' }] } },
    });
  });

  it("the create function ('create') may put items but not delete them (least privilege)", async () => {
    const asCreate = service.documentClient('items-api-create');
    await expect(
      asCreate.send(new DeleteCommand({ TableName: service.tables.items, Key: { id: 'x' } })),
    ).rejects.toThrow(/not authorized to perform: dynamodb:DeleteItem/);
  });

  it('the create function may write items but not read them (least privilege)', async () => {
    const asCreate = service.documentClient('items-api-create');
    await expect(
      asCreate.send(new GetCommand({ TableName: service.tables.items, Key: { id: 'x' } })),
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
  });
});
