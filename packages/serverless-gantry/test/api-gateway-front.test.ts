import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startApiGatewayFront } from '../src/offline/http/api-gateway-front.js';

// The front against a stand-in for serverless-offline that never answers some requests, as
// serverless-offline does for invocations it drops when a rebuild reloads the functions.
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function upstreamThatHangsOn(path: string) {
  const server: Server = createServer((req, res) => {
    if (req.url === path) return; // never answered
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as AddressInfo).port;
}

describe('the front: HTTP API never waits longer than its integration timeout', () => {
  it('answers 504 when the integration does not answer in time, and keeps serving', async () => {
    const upstream = await upstreamThatHangsOn('/hangs');
    const front = await startApiGatewayFront({
      host: '127.0.0.1',
      port: 0,
      upstream: { host: '127.0.0.1', port: upstream },
      integrationTimeoutMs: 200,
    });
    cleanups.push(front.stop);
    const hung = await fetch(`http://127.0.0.1:${front.port}/hangs`);
    expect({ status: hung.status, body: await hung.json() }).toEqual({
      status: 504,
      body: { message: 'Gateway Timeout' },
    });
    const ok = await fetch(`http://127.0.0.1:${front.port}/fine`);
    expect({ status: ok.status, body: await ok.text() }).toEqual({ status: 200, body: 'ok' });
  });
});
