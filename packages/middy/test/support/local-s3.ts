import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { buildApp } from 'fauxqs';

/**
 * A real S3 implementation (fauxqs's, in memory) on 127.0.0.1. Its app is listened on
 * loopback here rather than through `startFauxqs`, which binds every interface whatever it is told.
 * fauxqs checks no signature, and has no POST Object (browser form upload): what only real S3
 * checks is checked on the presigned URLs and policy themselves.
 */
export async function startLocalS3(region: string) {
  const app = buildApp({ logger: false });
  const requests: string[] = [];
  app.addHook('onRequest', async (request) => {
    requests.push(`${request.method} ${request.url}`);
  });
  const endpoint = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1');
  const client = new S3Client({
    endpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    endpoint,
    client,
    /** Every request the server received, `METHOD /path?query`, in order. */
    requests,
    createBucket: (name: string) => client.send(new CreateBucketCommand({ Bucket: name })),
    stop: async () => {
      client.destroy();
      await app.close();
    },
  };
}
