import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalService } from 'serverless-gantry/testing';

/**
 * Real HTTP in front of a `startLocalService` service, for a client that speaks HTTP: each request
 * is handed to `service.request` (the route HTTP API would pick, the function's generated handler on
 * its own thread, the local DynamoDB with its IAM policy) and its answer written back. Written here
 * because serverless-gantry/testing has no port, and `sls offline` of the template would share its
 * build folders with the other suites running at the same time.
 */
export async function httpFront(service: LocalService) {
  const server = createServer((req, res) => {
    readBody(req)
      .then(async (body) => {
        const headers = Object.fromEntries(
          Object.entries(req.headers).flatMap(([name, value]) => (value === undefined ? [] : [[name, value]])),
        );
        const answer = await service.request(req.method ?? 'GET', req.url ?? '/', {
          headers,
          ...(body.length ? { body: body.toString('utf8') } : {}),
        });
        const text =
          answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
        res.writeHead(answer.status, answer.headers);
        res.end(text);
      })
      .catch((error: unknown) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
