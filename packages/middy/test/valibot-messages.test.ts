import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { readableMessage } from '../src/valibot-messages.js';

// Each schema's issues as the kit reports them (path and message), with the message given at parse
// time (the same place as `v.setGlobalMessage`, without changing valibot's configuration for the
// other tests in this process).
const issues = (schema: v.GenericSchema, input: unknown) =>
  v
    .safeParse(schema, input, { message: readableMessage })
    .issues?.map((issue) => [(issue.path ?? []).map((item) => String(item.key)).join('.'), issue.message]);

describe('readableMessage for valibot: messages a person can act on, each with its field in the path', () => {
  const Task = v.strictObject({
    title: v.pipe(v.string(), v.minLength(1), v.maxLength(5)),
    done: v.optional(v.boolean()),
    version: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(9)),
    tags: v.optional(v.array(v.pipe(v.string(), v.maxLength(2)))),
    kind: v.optional(v.picklist(['a', 'b'])),
    size: v.optional(v.literal('s')),
    id: v.optional(v.pipe(v.string(), v.uuid())),
    code: v.optional(v.pipe(v.string(), v.regex(/^[0-9]+$/))),
    list: v.optional(v.pipe(v.array(v.string()), v.minLength(2))),
    note: v.optional(v.pipe(v.string(), v.nonEmpty())),
    pin: v.optional(v.pipe(v.string(), v.length(4))),
    due: v.optional(v.pipe(v.date(), v.minValue(new Date('2026-01-01T00:00:00Z')))),
  });

  it.each([
    [
      'a missing field',
      {},
      [
        ['title', 'title is required.'],
        ['version', 'version is required.'],
      ],
    ],
    [
      'the wrong type',
      { title: 1, version: 'x' },
      [
        ['title', 'Must be text.'],
        ['version', 'Must be a number.'],
      ],
    ],
    ['a fraction', { title: 'a', version: 1.5 }, [['version', 'Must be a whole number.']]],
    ['true or false', { title: 'a', version: 1, done: 'yes' }, [['done', 'Must be true or false.']]],
    ['empty text', { title: '', version: 1 }, [['title', 'Must not be empty.']]],
    ['too long', { title: 'abcdef', version: 1 }, [['title', 'Must be at most 5 characters.']]],
    ['too small', { title: 'a', version: 0 }, [['version', 'Must be at least 1.']]],
    ['too big', { title: 'a', version: 10 }, [['version', 'Must be at most 9.']]],
    [
      'an item of a list',
      { title: 'a', version: 1, tags: ['ok', 'long'] },
      [['tags.1', 'Must be at most 2 characters.']],
    ],
    ['too few items', { title: 'a', version: 1, list: ['x'] }, [['list', 'Must hold at least 2 items.']]],
    ['non-empty', { title: 'a', version: 1, note: '' }, [['note', 'Must not be empty.']]],
    ['an exact length', { title: 'a', version: 1, pin: '123' }, [['pin', 'Must be exactly 4 characters.']]],
    [
      'a date too early',
      { title: 'a', version: 1, due: new Date('2025-06-01T00:00:00Z') },
      [['due', 'Must be at least 2026-01-01T00:00:00.000Z.']],
    ],
    ['an unknown field', { title: 'a', version: 1, titel: 'b' }, [['titel', 'Unknown field: titel.']]],
    ['not one of the values', { title: 'a', version: 1, kind: 'c' }, [['kind', 'Must be one of: "a", "b".']]],
    ['not the one value', { title: 'a', version: 1, size: 'm' }, [['size', 'Must be one of: "s".']]],
    ['a format', { title: 'a', version: 1, id: 'x' }, [['id', 'Must be a UUID.']]],
    ['a pattern', { title: 'a', version: 1, code: 'x1' }, [['code', 'Is not in the expected form.']]],
    ['not an object', 'text', [['', 'Must be an object.']]],
  ])('%s', (_, input, expected) => {
    expect(issues(Task, input)).toEqual(expected);
  });

  it('works as the global message, as a service sets it once', () => {
    v.setGlobalMessage(readableMessage);
    try {
      const result = v.safeParse(v.object({ version: v.number() }), {});
      expect(result.issues?.map((issue) => issue.message)).toEqual(['version is required.']);
    } finally {
      v.deleteGlobalMessage();
    }
    // Without it, valibot's own words again.
    expect(v.safeParse(v.object({ version: v.number() }), {}).issues?.[0]?.message).toMatch(/^Invalid key/);
  });

  it('leaves a message written on the schema as it is', () => {
    expect(issues(v.object({ title: v.pipe(v.string(), v.minLength(1, 'Give it a title.')) }), { title: '' })).toEqual([
      ['title', 'Give it a title.'],
    ]);
  });

  it("keeps valibot's own message for a check it has no words for", () => {
    expect(issues(v.pipe(v.string(), v.startsWith('a')), 'b')).toEqual([
      ['', 'Invalid start: Expected "a" but received "b"'],
    ]);
  });
});
