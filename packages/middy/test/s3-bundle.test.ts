import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../src/', import.meta.url));
const S3_PACKAGES = /@aws-sdk[/+](client-s3|s3-request-presigner|s3-presigned-post)\b/;

/** The modules esbuild puts in a function's bundle for this entry, as serverless-esbuild bundles it. */
async function bundledModules(entry: string): Promise<string[]> {
  const result = await build({
    stdin: { contents: entry, resolveDir: src, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs);
}

describe('bundle impact of the bucket client', () => {
  it('a function that does not import @gantry/middy/s3 carries no S3 client, even an object-triggered one', async () => {
    const modules = await bundledModules(
      "export { httpHandler, objectHandler, queueHandler } from './index.js';\nexport { queueClient } from './sqs/index.js';",
    );
    expect(modules.some((m) => m.includes('object-handler'))).toBe(true);
    expect(modules.filter((m) => S3_PACKAGES.test(m))).toEqual([]);
  });

  it('a function that imports it does', async () => {
    const modules = await bundledModules("export { bucketClient } from './s3/index.js';");
    // The same pattern finds it: the test above cannot pass by matching nothing.
    expect(modules.filter((m) => S3_PACKAGES.test(m)).length).toBeGreaterThan(0);
  });
});
