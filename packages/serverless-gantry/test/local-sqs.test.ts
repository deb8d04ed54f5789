import {
  ChangeMessageVisibilityBatchCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListQueuesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadLetterLogicalId, queueLogicalId } from '../src/generate/names.js';
import type { ManifestQueue } from '../src/manifest.js';
import type { LocalIdentity } from '../src/offline/dynamodb/iam-gateway.js';
import type { Statement } from '../src/offline/iam/policy.js';
import { type LocalAccount, resolveLocal } from '../src/offline/iam/resolve-arns.js';
import { type LocalQueue, type LocalSqs, startLocalSqs } from '../src/offline/sqs/local-sqs.js';
import { localQueueResources } from '../src/offline/sqs/queue-resources.js';
import { waitUntil } from './support/wait.js';

// Not fauxqs's own account (000000000000), so every ARN and URL the front hands out is its translation.
const account: LocalAccount = { partition: 'aws', region: 'eu-west-1', accountId: '123456789012' };
const arn = (queueName: string) => `arn:aws:sqs:eu-west-1:123456789012:${queueName}`;

function declared(name: string, extra: Partial<ManifestQueue> = {}): ManifestQueue {
  const fifo = extra.fifo ?? false;
  return {
    name,
    queueName: `shop-dev-${name}${fifo ? '.fifo' : ''}`,
    envVar: `GANTRY_QUEUE_${name.toUpperCase()}`,
    fifo,
    visibilityTimeout: 30,
    retentionPeriod: 345_600,
    source: 'src/queues.ts',
    ...extra,
  };
}

const allow = (actions: string[], queueName: string): Statement => ({
  Effect: 'Allow',
  Action: actions,
  Resource: [arn(queueName)],
});

// `sender` may send to jobs; `consumer` reads jobs as Lambda's mapping does; `stranger` may only send to audit.
const identities = new Map<string, LocalIdentity>([
  ['key-sender', { functionName: 'enqueue', roleName: 'shop-dev-enqueue', statements: [] }],
  ['key-consumer', { functionName: 'work', roleName: 'shop-dev-work', statements: [] }],
  ['key-stranger', { functionName: 'audit', roleName: 'shop-dev-audit', statements: [] }],
  ['key-denied', { functionName: 'locked', roleName: 'shop-dev-locked', statements: [] }],
]);

let sqs: LocalSqs;
let declarations: ManifestQueue[];
let queues: Record<string, LocalQueue>;
const clients: SQSClient[] = [];

function client(accessKeyId = 'shell') {
  const created = new SQSClient({
    endpoint: sqs.url,
    region: account.region,
    credentials: { accessKeyId, secretAccessKey: 'x' },
  });
  clients.push(created);
  return created;
}

const jobs = () => queues.jobs as LocalQueue;

beforeAll(async () => {
  sqs = await startLocalSqs({ account, identities, denyUnidentified: false, port: 0 });
  declarations = [
    declared('jobs', {
      visibilityTimeout: 1,
      retentionPeriod: 3_600,
      deadLetter: { maxReceiveCount: 2, queueName: 'shop-dev-jobs-dlq' },
    }),
    declared('audit'),
    declared('orders', {
      fifo: true,
      visibilityTimeout: 1,
      contentBasedDeduplication: true,
      deadLetter: { maxReceiveCount: 3, queueName: 'shop-dev-orders-dlq.fifo' },
    }),
  ];
  queues = await sqs.createQueues(declarations);
  const jobsQueue = 'shop-dev-jobs';
  (identities.get('key-sender') as LocalIdentity).statements = [allow(['sqs:SendMessage'], jobsQueue)];
  (identities.get('key-consumer') as LocalIdentity).statements = [
    allow(
      ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'],
      jobsQueue,
    ),
  ];
  (identities.get('key-stranger') as LocalIdentity).statements = [allow(['sqs:SendMessage'], 'shop-dev-audit')];
  (identities.get('key-denied') as LocalIdentity).statements = [
    allow(['sqs:*'], jobsQueue),
    { Effect: 'Deny', Action: 'sqs:SendMessage', Resource: '*' },
  ];
});

afterAll(async () => {
  for (const created of clients) created.destroy();
  await sqs?.stop();
});

/** Receives until a receive holds a message `accept` takes (each call long-polls a second); returns that receive's messages. */
async function receiveUntil(sqsClient: SQSClient, queueUrl: string, accept: (m: Message) => boolean) {
  return waitUntil(async () => {
    const { Messages = [] } = await sqsClient.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        WaitTimeSeconds: 1,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    return Messages.some(accept) ? Messages : undefined;
  }, `a message in ${queueUrl}`);
}

async function receiveWhere(sqsClient: SQSClient, queueUrl: string, accept: (m: Message) => boolean) {
  return (await receiveUntil(sqsClient, queueUrl, accept)).find(accept) as Message;
}

async function denial(call: Promise<unknown>) {
  const error = (await call.then(
    () => undefined,
    (e: unknown) => e,
  )) as { name: string; message: string; $metadata: { httpStatusCode: number } } | undefined;
  expect(error, 'the call was denied').toBeDefined();
  return error as NonNullable<typeof error>;
}

describe('the local SQS endpoint', () => {
  it('hands out queue URLs on the endpoint and ARNs in the local account', async () => {
    const admin = client();
    expect(jobs()).toEqual({
      url: `${sqs.url}/123456789012/shop-dev-jobs`,
      arn: arn('shop-dev-jobs'),
      deadLetter: { url: `${sqs.url}/123456789012/shop-dev-jobs-dlq`, arn: arn('shop-dev-jobs-dlq') },
    });
    expect(sqs.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const { QueueUrl } = await admin.send(new GetQueueUrlCommand({ QueueName: 'shop-dev-audit' }));
    const { QueueUrls } = await admin.send(new ListQueuesCommand({}));
    const created = await admin.send(new CreateQueueCommand({ QueueName: 'shop-dev-scratch' }));
    const { Attributes } = await admin.send(
      new GetQueueAttributesCommand({ QueueUrl: jobs().url, AttributeNames: ['All'] }),
    );

    expect(QueueUrl).toBe(`${sqs.url}/123456789012/shop-dev-audit`);
    expect(QueueUrls).toContain(jobs().url);
    expect(QueueUrls?.every((url) => url.startsWith(`${sqs.url}/123456789012/`))).toBe(true);
    expect(created.QueueUrl).toBe(`${sqs.url}/123456789012/shop-dev-scratch`);
    expect(Attributes?.QueueArn).toBe(arn('shop-dev-jobs'));
  });

  it("resolves a template's references to the local queues, so generated statements apply", async () => {
    const resources = localQueueResources(declarations, queues);
    const statements = resolveLocal(
      [{ Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [{ 'Fn::GetAtt': [queueLogicalId('jobs'), 'Arn'] }] }],
      resources,
      account,
    ) as Statement[];
    identities.set('key-generated', { functionName: 'generated', roleName: 'shop-dev-generated', statements });
    const environment = resolveLocal({ Ref: queueLogicalId('jobs') }, resources, account);

    const sent = await client('key-generated').send(
      new SendMessageCommand({ QueueUrl: String(environment), MessageBody: 'generated' }),
    );

    expect(resources[deadLetterLogicalId('jobs')]).toEqual({
      Ref: jobs().deadLetter?.url,
      Arn: arn('shop-dev-jobs-dlq'),
      QueueName: 'shop-dev-jobs-dlq',
    });
    expect(resources[queueLogicalId('jobs')]?.QueueName).toBe('shop-dev-jobs');
    expect(environment).toBe(jobs().url);
    expect(sent.MessageId).toBeTruthy();
  });

  it('creates queues with their declared settings, dead-letter queue and redrive policy', async () => {
    const admin = client();
    const attributes = async (url: string) =>
      (await admin.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes ?? {};

    const main = await attributes(jobs().url);
    const deadLetter = await attributes(jobs().deadLetter?.url ?? '');
    const fifo = await attributes(queues.orders?.url ?? '');
    const fifoDeadLetter = await attributes(queues.orders?.deadLetter?.url ?? '');

    expect(main).toMatchObject({ VisibilityTimeout: '1', MessageRetentionPeriod: '3600' });
    expect(JSON.parse(main.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: arn('shop-dev-jobs-dlq'),
      maxReceiveCount: 2,
    });
    expect(deadLetter).toMatchObject({ MessageRetentionPeriod: '1209600' });
    expect(deadLetter.RedrivePolicy).toBeUndefined();
    expect(fifo).toMatchObject({ FifoQueue: 'true', ContentBasedDeduplication: 'true', VisibilityTimeout: '1' });
    expect(fifoDeadLetter).toMatchObject({ FifoQueue: 'true', MessageRetentionPeriod: '1209600' });
  });

  it('sends and receives for callers without a function identity', async () => {
    const shell = client();

    await shell.send(new SendMessageCommand({ QueueUrl: queues.audit?.url, MessageBody: 'from the shell' }));
    const message = await receiveWhere(shell, queues.audit?.url ?? '', (m) => m.Body === 'from the shell');
    await shell.send(new DeleteMessageCommand({ QueueUrl: queues.audit?.url, ReceiptHandle: message.ReceiptHandle }));

    expect(message.Attributes?.ApproximateReceiveCount).toBe('1');
  });

  it('lets a function send where its role allows, and answers others as SQS does', async () => {
    const sent = await client('key-sender').send(new SendMessageCommand({ QueueUrl: jobs().url, MessageBody: 'ok' }));
    const error = await denial(
      client('key-stranger').send(new SendMessageCommand({ QueueUrl: jobs().url, MessageBody: 'no' })),
    );

    expect(sent.MessageId).toBeTruthy();
    expect(error.name).toBe('AccessDenied');
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect(error.message).toBe(
      'User: arn:aws:sts::123456789012:assumed-role/shop-dev-audit/audit is not authorized to perform: sqs:sendmessage' +
        ' on resource: arn:aws:sqs:eu-west-1:123456789012:shop-dev-jobs because no identity-based policy allows the sqs:sendmessage action',
    );
  });

  it('names an explicit deny as IAM does', async () => {
    const error = await denial(
      client('key-denied').send(new SendMessageCommand({ QueueUrl: jobs().url, MessageBody: 'no' })),
    );

    expect(error.message).toBe(
      'User: arn:aws:sts::123456789012:assumed-role/shop-dev-locked/locked is not authorized to perform: sqs:sendmessage' +
        ' on resource: arn:aws:sqs:eu-west-1:123456789012:shop-dev-jobs with an explicit deny in an identity-based policy',
    );
  });

  it('authorizes each batch action as its single action', async () => {
    const entries = [{ Id: 'a', MessageBody: 'batch' }];
    const sent = await client('key-sender').send(
      new SendMessageBatchCommand({ QueueUrl: jobs().url, Entries: entries }),
    );
    const strangerSends = await denial(
      client('key-stranger').send(new SendMessageBatchCommand({ QueueUrl: jobs().url, Entries: entries })),
    );
    const message = await receiveWhere(client('key-consumer'), jobs().url, (m) => m.Body === 'batch');
    const handle = [{ Id: 'a', ReceiptHandle: message.ReceiptHandle as string }];
    const senderHides = await denial(
      client('key-sender').send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: jobs().url,
          Entries: [{ Id: 'a', ReceiptHandle: message.ReceiptHandle as string, VisibilityTimeout: 5 }],
        }),
      ),
    );
    const senderDeletes = await denial(
      client('key-sender').send(new DeleteMessageBatchCommand({ QueueUrl: jobs().url, Entries: handle })),
    );
    const deleted = await client('key-consumer').send(
      new DeleteMessageBatchCommand({ QueueUrl: jobs().url, Entries: handle }),
    );

    expect(sent.Successful).toHaveLength(1);
    expect(strangerSends.message).toContain('is not authorized to perform: sqs:sendmessage on resource:');
    expect(senderHides.message).toContain('is not authorized to perform: sqs:changemessagevisibility on resource:');
    expect(senderDeletes.message).toContain('is not authorized to perform: sqs:deletemessage on resource:');
    expect(deleted.Successful).toEqual([{ Id: 'a' }]);
  });

  it('checks ListQueues on the account and CreateQueue on the queue it would create', async () => {
    const listing = await denial(client('key-consumer').send(new ListQueuesCommand({})));
    const creating = await denial(client('key-consumer').send(new CreateQueueCommand({ QueueName: 'rogue' })));

    expect(listing.message).toBe(
      'User: arn:aws:sts::123456789012:assumed-role/shop-dev-work/work is not authorized to perform: sqs:listqueues' +
        ' on resource: arn:aws:sqs:eu-west-1:123456789012: because no identity-based policy allows the sqs:listqueues action',
    );
    expect(creating.message).toContain('sqs:createqueue on resource: arn:aws:sqs:eu-west-1:123456789012:rogue because');
  });

  it('denies callers without a function identity when told to', async () => {
    const strict = await startLocalSqs({ account, identities, denyUnidentified: true, port: 0 });
    try {
      const [{ url }] = Object.values(await strict.createQueues([declared('jobs')])) as [LocalQueue];
      const shell = new SQSClient({
        endpoint: strict.url,
        region: account.region,
        credentials: { accessKeyId: 'shell', secretAccessKey: 'x' },
      });
      clients.push(shell);

      const error = await denial(shell.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' })));

      expect(error.name).toBe('AccessDenied');
      expect(error.message).toContain('User: anonymous is not authorized to perform: sqs:sendmessage');
    } finally {
      await strict.stop();
    }
  });

  it('moves a message to the dead-letter queue after maxReceiveCount receives', async () => {
    const consumer = client('key-consumer');
    const shell = client();
    await client('key-sender').send(new SendMessageCommand({ QueueUrl: jobs().url, MessageBody: 'poison' }));

    // Received and never deleted: visible again after the 1 s visibility timeout. SQS moves it when a
    // receive finds it past maxReceiveCount, so the consumer keeps receiving until the move.
    const first = await receiveWhere(consumer, jobs().url, (m) => m.Body === 'poison');
    const second = await receiveWhere(consumer, jobs().url, (m) => m.Body === 'poison');
    const dead = await waitUntil(async () => {
      const { Messages = [] } = await consumer.send(
        new ReceiveMessageCommand({ QueueUrl: jobs().url, WaitTimeSeconds: 1 }),
      );
      const { Messages: moved = [] } = await shell.send(
        new ReceiveMessageCommand({ QueueUrl: jobs().deadLetter?.url, MessageSystemAttributeNames: ['All'] }),
      );
      expect(Messages.map((m) => m.Body)).not.toContain('poison');
      return moved.find((m) => m.Body === 'poison');
    }, 'the message in the dead-letter queue');

    expect(first.Attributes?.ApproximateReceiveCount).toBe('1');
    expect(second.Attributes?.ApproximateReceiveCount).toBe('2');
    expect(dead.MessageId).toBe(first.MessageId);
  });

  it('never receives for a long poll its caller abandoned: the next message goes to the next receive', async () => {
    const { abandoned } = await sqs.createQueues([declared('abandoned', { visibilityTimeout: 30 })]);
    const url = abandoned?.url ?? '';
    // Counts the front's lookups of this caller: the long poll below has reached the front.
    let arrived = 0;
    const lookup = identities.get.bind(identities);
    identities.get = (key) => {
      if (key === 'key-watcher') arrived += 1;
      return lookup(key);
    };
    try {
      const abandon = new AbortController();
      const longPoll = client('key-watcher')
        .send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }), { abortSignal: abandon.signal })
        .then(
          () => 'answered',
          () => 'abandoned',
        );
      await waitUntil(() => arrived >= 1, 'the long poll to reach the endpoint');
      abandon.abort();
      expect(await longPoll).toBe('abandoned');

      const shell = client();
      await shell.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'after' }));
      // No wait: had the abandoned poll taken it, it would be hidden for 30 s (or back, received twice).
      const { Messages = [] } = await shell.send(
        new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['All'] }),
      );
      expect(Messages.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount])).toEqual([['after', '1']]);
    } finally {
      identities.get = lookup;
    }
  });

  it('keeps FIFO order within a group, fills a receive from one group and deduplicates by content', async () => {
    const shell = client();
    const url = queues.orders?.url ?? '';
    const send = (group: string, body: string) =>
      shell.send(new SendMessageCommand({ QueueUrl: url, MessageGroupId: group, MessageBody: body }));
    const a1 = await send('a', 'a1');
    const again = await send('a', 'a1');
    await send('a', 'a2');
    await send('b', 'b1');
    await send('a', 'a3');

    const { Messages = [] } = await shell.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }),
    );
    // Not deleted: after the visibility timeout the group comes back whole, in order.
    const redelivered = await receiveUntil(shell, url, (m) => m.Body === 'a1');

    expect(again.MessageId).toBe(a1.MessageId);
    expect(Messages.map((m) => m.Body)).toEqual(['a1', 'a2', 'a3', 'b1']);
    expect(Messages[0]?.Attributes).toMatchObject({ MessageGroupId: 'a', SequenceNumber: a1.SequenceNumber });
    expect(Messages[0]?.Attributes?.MessageDeduplicationId).toMatch(/^[0-9a-f]{64}$/);
    const groupA = redelivered.filter((m) => m.Attributes?.MessageGroupId === 'a');
    expect(groupA.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount])).toEqual([
      ['a1', '2'],
      ['a2', '2'],
      ['a3', '2'],
    ]);
  });

  it('answers an action its queues do not support as SQS answers an unsupported operation', async () => {
    const error = await denial(client().send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: jobs().url })));

    expect(error.name).toBe('UnsupportedOperation');
    expect(error.message).toContain('ListDeadLetterSourceQueues is not supported');
  });

  it('answers a queue of another account as missing', async () => {
    const error = await denial(
      client().send(
        new SendMessageCommand({ QueueUrl: `${sqs.url}/999999999999/shop-dev-jobs`, MessageBody: 'elsewhere' }),
      ),
    );

    expect(error.name).toBe('QueueDoesNotExist');
  });
});
