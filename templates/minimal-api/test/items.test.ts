import { describe, expect, it } from 'vitest';
import { ItemsApi } from '../src/items.js';

// Validation runs before any DynamoDB call, so these need no database. Round trips through
// DynamoDB are tested against a local one once the embedded DynamoDB lands.
const request = (overrides: object) => ({
  requestId: 'r1',
  method: 'POST',
  path: '/items',
  params: {},
  query: {},
  headers: {},
  body: undefined,
  claims: {},
  ...overrides,
});

describe('ItemsApi', () => {
  it('rejects an item without a name with a 400', async () => {
    await expect(ItemsApi.create(request({ body: { name: '' } }))).rejects.toMatchObject({
      statusCode: 400,
      code: 'validation',
    });
  });

  it('rejects an id that is not a UUID with a 400', async () => {
    await expect(ItemsApi.read(request({ params: { id: 'nope' } }))).rejects.toMatchObject({ statusCode: 400 });
  });
});
