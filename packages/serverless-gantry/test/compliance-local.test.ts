import { fileURLToPath } from 'node:url';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
// The built package, as a service imports it (its function threads run the built worker).
import { type LocalService, startLocalService } from 'serverless-gantry/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `compliance` encrypts tables and queues with the stage's KMS key and gives the roles KMS
// statements. Nothing emulates KMS locally: the local run ignores encryption, and its IAM checks
// must still allow each function's DynamoDB and SQS calls (the KMS statements name only KMS
// actions, which no local call makes: they add nothing and take nothing away). The same service runs here with compliance on, end to end.
const servicePath = fileURLToPath(new URL('./fixtures/rehearse-events/', import.meta.url));
let service: LocalService;
beforeAll(async () => {
  service = await startLocalService({
    servicePath,
    stage: 'prod',
    config: { handlers: 'src/**/*.ts', compliance: true },
  });
});
afterAll(() => service?.stop());

describe('a local run with compliance on', () => {
  it('writes a table, sends to a queue, consumes it and a table change, each under its own policy', async () => {
    const created = await service.request('POST', '/orders');
    expect(created.status).toBe(201);
    const { id } = created.body as { id: string };
    await service.drain();
    const order = await service
      .documentClient()
      .send(new GetCommand({ TableName: service.tables.orders, Key: { id } }));
    expect(order.Item).toMatchObject({ status: 'fulfilled' });
    const counts = service.tables.counts;
    const total = async (name: string) =>
      (await service.documentClient().send(new GetCommand({ TableName: counts, Key: { name } }))).Item?.total;
    expect(await total('orders')).toBe(1);
    expect(await total('receipts')).toBe(1);
  });

  it('still denies what a policy does not allow: the KMS statements open nothing', async () => {
    // `receipt` may only write counts: reading the orders table is denied, compliance or not.
    await expect(
      service
        .documentClient('order-work-receipt')
        .send(new GetCommand({ TableName: service.tables.orders, Key: { id: 'x' } })),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});
