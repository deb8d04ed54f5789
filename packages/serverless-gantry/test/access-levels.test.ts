import { fileURLToPath } from 'node:url';
// The built package, as a service imports it (its function threads run the built worker).
import { type LocalService, startLocalService } from 'serverless-gantry/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Functions with access narrower than write, run locally as deployed: each request goes through the
// generated handler with the function's own credentials, against the local DynamoDB endpoint that
// enforces the generated policy (with the user's own statements and their conditions).
const servicePath = fileURLToPath(new URL('./fixtures/access-levels/', import.meta.url));
let service: LocalService;
beforeAll(async () => {
  service = await startLocalService({ servicePath });
});
afterAll(() => service?.stop());

const attempt = async (fn: string, call: string, id: string) => {
  const response = await service.request('POST', `/levels/${fn}`, { body: { call, id } });
  expect(response.status).toBe(200);
  return response.body as { outcome: string; message?: string; needs?: string[]; cause?: string };
};

describe("@uses(T, 'create'): puts, and nothing else", () => {
  it('puts an item', async () => {
    expect(await attempt('creator', 'put', 'c1')).toEqual({ outcome: 'ok' });
  });

  it('cannot delete, and the error says what it declares and what a delete needs', async () => {
    expect(await attempt('creator', 'delete', 'c1')).toEqual({
      outcome: 'AccessDeniedException',
      message: `dynamodb:DeleteItem on ${service.tables.items} is denied: this function declares @uses(items, 'create'); a delete needs 'delete' or 'write'.`,
      needs: ['delete', 'write', 'readwrite'],
      cause: 'AccessDeniedException',
    });
  });

  it.each([
    ['get', 'dynamodb:GetItem', "a get needs 'read'"],
    ['update', 'dynamodb:UpdateItem', "an update needs 'update' or 'write'"],
    ['batchWrite', 'dynamodb:BatchWriteItem', "a batch write needs 'write'"],
  ])('cannot %s (%s)', async (call, action, needs) => {
    const result = await attempt('creator', call, 'c1');
    expect(result.outcome).toBe('AccessDeniedException');
    expect(result.message).toBe(
      `${action} on ${service.tables.items} is denied: this function declares @uses(items, 'create'); ${needs}.`,
    );
  });
});

describe("@uses(T, ['read', 'update'])", () => {
  it('reads and updates, but cannot delete or put', async () => {
    await attempt('creator', 'put', 'k1');
    expect(await attempt('keeper', 'get', 'k1')).toEqual({ outcome: 'ok' });
    expect(await attempt('keeper', 'update', 'k1')).toEqual({ outcome: 'ok' });
    expect((await attempt('keeper', 'delete', 'k1')).message).toBe(
      `dynamodb:DeleteItem on ${service.tables.items} is denied: this function declares @uses(items, ['read', 'update']); a delete needs 'delete' or 'write'.`,
    );
    expect((await attempt('keeper', 'put', 'k2')).outcome).toBe('AccessDeniedException');
  });
});

describe("a user's Deny with a condition on dynamodb:LeadingKeys applies locally, as on AWS", () => {
  it('denies a put of a locked key and allows any other', async () => {
    expect(await attempt('guarded', 'put', 'open-1')).toEqual({ outcome: 'ok' });
    const locked = await attempt('guarded', 'put', 'locked-1');
    expect(locked).toMatchObject({ outcome: 'AccessDeniedException', cause: 'AccessDeniedException' });
    expect(locked.message).toBe(
      `dynamodb:PutItem on ${service.tables.items} is denied by an explicit Deny in the function's policy (a statement of @fn({ iamStatements }), or one the account applies).`,
    );
    // The statement's actions only: updating a locked key is still allowed by 'write'.
    expect(await attempt('guarded', 'update', 'open-1')).toEqual({ outcome: 'ok' });
  });
});
