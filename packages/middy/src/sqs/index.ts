export { type QueueClient, QueueSendError, queueClient, type SendOptions } from './queue-client.js';
