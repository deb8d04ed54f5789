import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { declarationSite, queue, table } from '../src/index.js';

const here = fileURLToPath(import.meta.url);

describe('declarationSite', () => {
  it('records the code that called table() or queue(), not the decorators package', () => {
    const Notes = table('notes', { partitionKey: { name: 'id', type: 'S' } });
    const Jobs = queue('jobs');
    for (const site of [declarationSite(Notes), declarationSite(Jobs)]) {
      const file = site?.file.startsWith('file:') ? fileURLToPath(site.file) : site?.file;
      expect(file).toBe(here);
      expect(site?.line).toBeGreaterThan(0);
    }
  });

  it('leaves the value as it was: frozen, and the same JSON and keys', () => {
    const Notes = table('notes', { partitionKey: { name: 'id', type: 'S' } });
    expect(Object.isFrozen(Notes)).toBe(true);
    expect(JSON.parse(JSON.stringify(Notes))).toEqual({ partitionKey: { name: 'id', type: 'S' }, name: 'notes' });
    expect(Object.keys({ ...Notes })).toEqual(['partitionKey', 'name']);
  });

  it('has no site for a value that no declaration made', () => {
    expect(declarationSite({ name: 'notes' })).toBeUndefined();
    expect(declarationSite(undefined)).toBeUndefined();
  });
});
