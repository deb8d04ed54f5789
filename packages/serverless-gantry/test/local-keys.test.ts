import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KEYS_FILE, localKeys } from '../src/auth/local-keys.js';
import { tempService } from './support/temp-service.js';

// The local issuer's keys: made once per service and kept, so tokens survive restarts and
// `sls gantry token` signs with what a running sls offline trusts.
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});
const service = async () => {
  const made = await tempService({});
  cleanups.push(made.remove);
  return made.dir;
};

describe('localKeys', () => {
  it('makes one key set when two processes start at once, and gives the same one afterwards', async () => {
    const dir = await service();
    const [a, b] = await Promise.all([localKeys(dir), localKeys(dir)]);
    expect(b.signing).toEqual(a.signing);
    expect((await localKeys(dir)).signing).toEqual(a.signing);
    expect(a.verifying.keys[0]).not.toHaveProperty('d'); // the public half only
    expect(JSON.parse(await readFile(join(dir, KEYS_FILE), 'utf8')).signing[0].kid).toBe(a.signing[0]?.kid);
  });

  it('names a damaged key file and the fix', async () => {
    const dir = await service();
    await mkdir(join(dir, '.gantry', 'issuer'), { recursive: true });
    await writeFile(join(dir, KEYS_FILE), '{ not json');
    await expect(localKeys(dir)).rejects.toThrow(/keys\.json is not a key file Gantry wrote; delete it/);
  });
});
