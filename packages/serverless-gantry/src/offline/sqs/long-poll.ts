import type { EngineAnswer, QueueEngine } from './queue-engine.js';

/**
 * A ReceiveMessage with SQS's long poll, waited in the front rather than in the engine: fauxqs's
 * own long poll runs inside a request the front cannot take back, so when the caller went away
 * (a poller stopped, a client aborted) it still took the next message sent, which then stayed
 * hidden for its visibility timeout and counted a receive. Here the engine only ever gets receives
 * that do not wait (WaitTimeSeconds 0); between them the front waits on the queue itself (woken when
 * a message is sent or becomes visible again, or at the deadline), and never receives once the
 * caller has gone. Like SQS, it answers as soon as there is a message, else empty at the deadline.
 *
 * Returns undefined when the caller went away before anything was received.
 */
export async function receiveWithLongPoll(
  engine: Pick<QueueEngine, 'call' | 'waitForMessage' | 'receiveWaitSeconds'>,
  request: Record<string, unknown>,
  gone: AbortSignal,
): Promise<EngineAnswer | undefined> {
  const queueUrl = request.QueueUrl;
  if (typeof queueUrl !== 'string') return engine.call('ReceiveMessage', request);
  const waitSeconds = request.WaitTimeSeconds ?? engine.receiveWaitSeconds(queueUrl) ?? 0;
  // A receive without a wait, or with a wait SQS refuses, goes as it is: the engine answers as SQS.
  if (typeof waitSeconds !== 'number' || !Number.isInteger(waitSeconds) || waitSeconds < 1 || waitSeconds > 20) {
    return engine.call('ReceiveMessage', request);
  }
  const deadline = Date.now() + waitSeconds * 1000;
  const receive = { ...request, WaitTimeSeconds: 0 };
  for (;;) {
    if (gone.aborted) return undefined;
    // Filed before the receive: a message sent while it runs still wakes the next look.
    const wait = engine.waitForMessage(queueUrl, deadline - Date.now());
    const reply = await engine.call('ReceiveMessage', receive);
    const received = Array.isArray(reply.body.Messages) && reply.body.Messages.length > 0;
    if (!wait || reply.status !== 200 || received || gone.aborted || Date.now() >= deadline) {
      wait?.cancel();
      return reply;
    }
    const leave = () => wait.cancel();
    gone.addEventListener('abort', leave, { once: true });
    await wait.arrived;
    gone.removeEventListener('abort', leave);
  }
}
