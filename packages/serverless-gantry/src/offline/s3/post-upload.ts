import type { IncomingMessage } from 'node:http';
import { Busboy, type BusboyHeaders, type BusboyInstance } from '@fastify/busboy';
import { checkPolicy, checkSize, type PolicyLimits } from './post-policy.js';
import { type S3Failure, SIGNATURE_MISMATCH, s3Failure } from './s3-errors.js';
import { objectMetadata } from './s3-request.js';
import {
  type KeyOwner,
  parseAmzDate,
  parseCredential,
  type SignatureScope,
  sameSignature,
  signer,
  unknownKey,
} from './verify-signature.js';

/** A browser POST upload whose signature, policy and size hold, ready to be written. */
export interface PostUpload {
  key: string;
  body: Buffer;
  contentType: string;
  metadata: Record<string, string>;
  /** Who signed the policy; undefined for a form without one (an anonymous upload). */
  signer: { accessKeyId: string; owner: KeyOwner } | undefined;
  /** success_action_status (200, 201 or 204, the default), or success_action_redirect. */
  successStatus: 200 | 201 | 204;
  successRedirect: string | undefined;
}

/**
 * Reads a browser POST upload (`multipart/form-data` to the bucket's URL, AWS: "Browser-based
 * uploads using POST") with @fastify/busboy and checks it as S3 does: the fields before the file,
 * the SigV4 POST signature (the policy, base64, signed with the signing key of the credential's
 * date and scope), the policy's expiration and conditions, then the file's size against
 * `content-length-range`. The file is read only when the rest holds, and kept only up to the
 * policy's maximum (and `maxBytes`): a file over it is counted and discarded, not stored.
 */
export function readPostUpload(
  req: IncomingMessage,
  bucket: string,
  scope: SignatureScope,
  maxBytes: number,
): Promise<PostUpload | S3Failure> {
  return new Promise((resolve, reject) => {
    const fields = new Map<string, string>();
    let outcome: Promise<PostUpload | S3Failure> | undefined;
    let busboy: BusboyInstance;
    try {
      busboy = new Busboy({ headers: req.headers as BusboyHeaders, limits: { files: 1 } });
    } catch {
      return resolve(
        s3Failure(400, 'MalformedPOSTRequest', 'The body of your POST request is not well-formed multipart/form-data.'),
      );
    }
    busboy.on('field', (name: string, value: string) => {
      if (!outcome) fields.set(name.toLowerCase(), value); // S3 ignores fields after the file
    });
    busboy.on('file', (name: string, file: NodeJS.ReadableStream, filename: string) => {
      if (outcome || name.toLowerCase() !== 'file') return void file.resume();
      outcome = (async () => {
        const checked = await checkForm(fields, bucket, scope);
        if ('status' in checked) {
          file.resume();
          return checked;
        }
        const limit = Math.min(maxBytes, checked.limits.maxBytes ?? maxBytes);
        const { body, size } = await readUpTo(file, limit);
        const tooBig = checkSize(size, checked.limits);
        if (tooBig) return tooBig;
        if (!body) {
          return s3Failure(
            400,
            'EntityTooLarge',
            `Your proposed upload exceeds the maximum allowed size (Gantry's local S3 keeps objects of at most ${maxBytes} bytes)`,
            {
              ProposedSize: size,
              MaxSizeAllowed: maxBytes,
            },
          );
        }
        return { ...checked.upload, key: checked.upload.key.replaceAll('${filename}', filename ?? ''), body };
      })();
    });
    busboy.on('finish', () => {
      if (!outcome) {
        const failure = fields.has('key')
          ? s3Failure(400, 'InvalidArgument', 'POST requires exactly one file upload per request.', {
              ArgumentName: 'file',
              ArgumentValue: '0',
            })
          : missingField('key');
        return resolve(failure);
      }
      outcome.then(resolve, reject);
    });
    busboy.on('error', () =>
      resolve(
        s3Failure(400, 'MalformedPOSTRequest', 'The body of your POST request is not well-formed multipart/form-data.'),
      ),
    );
    req.on('error', reject);
    req.pipe(busboy);
  });
}

type Checked = { upload: Omit<PostUpload, 'body'>; limits: PolicyLimits };

async function checkForm(
  fields: Map<string, string>,
  bucket: string,
  scope: SignatureScope,
): Promise<Checked | S3Failure> {
  const key = fields.get('key');
  if (key === undefined) return missingField('key');
  const policy = fields.get('policy');
  let limits: PolicyLimits = {};
  let signed: PostUpload['signer'];
  if (policy !== undefined) {
    for (const name of ['x-amz-algorithm', 'x-amz-credential', 'x-amz-date', 'x-amz-signature']) {
      if (!fields.has(name)) return missingField(name);
    }
    if (fields.get('x-amz-algorithm') !== 'AWS4-HMAC-SHA256') {
      return s3Failure(400, 'InvalidArgument', 'Only AWS4-HMAC-SHA256 is supported', {
        ArgumentName: 'x-amz-algorithm',
      });
    }
    const credential = parseCredential(fields.get('x-amz-credential') ?? '');
    const signingDate = parseAmzDate(fields.get('x-amz-date') ?? '');
    if (!credential || !signingDate || credential.service !== 's3' || credential.region !== scope.region) {
      return s3Failure(
        400,
        'InvalidArgument',
        `Invalid argument: x-amz-credential '${fields.get('x-amz-credential')}'`,
        {
          ArgumentName: 'x-amz-credential',
        },
      );
    }
    const owner = scope.keyOwner(credential.accessKeyId);
    if (!owner) return unknownKey(credential.accessKeyId);
    const expected = await signer(owner, credential).sign(policy, { signingDate });
    const given = fields.get('x-amz-signature') ?? '';
    if (!sameSignature(expected, given)) {
      return s3Failure(403, 'SignatureDoesNotMatch', SIGNATURE_MISMATCH, {
        AWSAccessKeyId: credential.accessKeyId,
        StringToSign: policy,
        SignatureProvided: given,
      });
    }
    const checked = checkPolicy(policy, fields, bucket, scope.now());
    if ('status' in checked) return checked;
    limits = checked;
    signed = { accessKeyId: credential.accessKeyId, owner };
  }
  const status = Number(fields.get('success_action_status'));
  const metadata = objectMetadata(fields);
  return {
    limits,
    upload: {
      key,
      contentType: fields.get('content-type') ?? 'binary/octet-stream',
      metadata,
      signer: signed,
      successStatus: status === 200 || status === 201 ? status : 204,
      successRedirect: fields.get('success_action_redirect') ?? fields.get('redirect'),
    },
  };
}

/** The file, or only its size when it is over `limit` (its bytes are then discarded as they come). */
async function readUpTo(
  file: NodeJS.ReadableStream,
  limit: number,
): Promise<{ body: Buffer | undefined; size: number }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of file as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
    else chunks.length = 0;
  }
  return { body: size <= limit ? Buffer.concat(chunks, size) : undefined, size };
}

const missingField = (name: string) =>
  s3Failure(
    400,
    'InvalidArgument',
    `Bucket POST must contain a field named '${name}'.  If it is specified, please check the order of the fields.`,
    { ArgumentName: name, ArgumentValue: '' },
  );
