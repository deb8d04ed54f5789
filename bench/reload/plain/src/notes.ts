import { version as current } from './version.js';

// As bench/reload/gantry: each request waits 25 ms, as a handler waits on a DynamoDB call.
const io = () => new Promise((resolve) => setTimeout(resolve, 25));
const json = (body: unknown) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

export const version = async () => {
  await io();
  return json({ version: current });
};
export const count = async () => {
  await io();
  return json({ count: 3, version: current });
};
