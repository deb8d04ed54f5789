// Bundles a benchmark's function as serverless-esbuild ships one for the Lambda runtime: minified
// CommonJS for node22, with the AWS SDK left external (the runtime provides it).
import { build } from 'esbuild';

export async function bundleForLambda(entry, outfile, external = ['@aws-sdk/*']) {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify: true,
    format: 'cjs',
    platform: 'node',
    target: 'node22',
    external,
    logLevel: 'error',
  });
  return outfile;
}
