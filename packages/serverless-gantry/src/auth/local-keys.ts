import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { GantryError } from '../errors.js';

/** The local issuer's signing keys and cookie secret, kept under the service's `.gantry/` (git-ignored). */
export interface LocalKeys {
  /** Private keys (JWK, with `kid`, `alg`, `use`): what the local issuer and `sls gantry token` sign with. */
  signing: JWK[];
  /** Their public halves: what the front verifies against, for every declared issuer. */
  verifying: { keys: JWK[] };
  /** Signs the local issuer's cookies. */
  cookieSecret: string;
}

export const KEYS_FILE = join('.gantry', 'issuer', 'keys.json');

/**
 * The service's local keys, created on first use and kept, so tokens survive restarts of
 * `sls offline` and `sls gantry token` works with or without it running. Created with an exclusive
 * write: when two processes start at once, the second reads what the first wrote.
 */
export async function localKeys(servicePath: string): Promise<LocalKeys> {
  const file = join(servicePath, KEYS_FILE);
  const existing = await readKeys(file);
  if (existing) return existing;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = randomBytes(8).toString('hex');
  const stored = {
    signing: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }],
    cookieSecret: randomBytes(32).toString('hex'),
  };
  await mkdir(dirname(file), { recursive: true });
  try {
    await writeFile(file, `${JSON.stringify(stored, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // Another process wrote them first: use those. A reader may see the file before it is complete;
    // one that never becomes readable was damaged by hand.
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      const written = await readKeys(file);
      if (written) return written;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new GantryError(
      `${file} is not a key file Gantry wrote; delete it (tokens made with it stop working) and run again.`,
    );
  }
  return withPublic(stored);
}

async function readKeys(file: string): Promise<LocalKeys | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const stored = JSON.parse(text) as Omit<LocalKeys, 'verifying'>;
    if (!Array.isArray(stored.signing) || typeof stored.cookieSecret !== 'string') return undefined;
    return withPublic(stored);
  } catch {
    return undefined; // being written, or damaged
  }
}

const PRIVATE_PARTS = ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const;

function withPublic(stored: Omit<LocalKeys, 'verifying'>): LocalKeys {
  const keys = stored.signing.map((key) => {
    const pub: JWK = { ...key };
    for (const part of PRIVATE_PARTS) delete pub[part];
    return pub;
  });
  return { ...stored, verifying: { keys } };
}
