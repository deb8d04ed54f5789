import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { readableMessage } from '../src/zod-messages.js';

// Each schema's issues, with the map given at parse time (the same place as `z.config`, without
// changing zod's configuration for the other tests in this process).
const messages = (schema: z.ZodMiniType, input: unknown) =>
  z.safeParse(schema, input, { error: readableMessage }).error?.issues.map((issue) => issue.message);

describe('readableMessage: messages that name the field and what is wrong or missing', () => {
  const Task = z.strictObject({
    title: z.string().check(z.minLength(1), z.maxLength(5)),
    done: z.optional(z.boolean()),
    version: z.int().check(z.minimum(1)),
    tags: z.optional(z.array(z.string().check(z.maxLength(2)))),
    kind: z.optional(z.enum(['a', 'b'])),
    id: z.optional(z.uuid()),
  });

  it.each([
    ['a missing field', {}, ['title is required.', 'version is required.']],
    ['the wrong type', { title: 1, version: 'x' }, ['title must be text.', 'version must be a number.']],
    ['a fraction', { title: 'a', version: 1.5 }, ['version must be a whole number.']],
    ['true or false', { title: 'a', version: 1, done: 'yes' }, ['done must be true or false.']],
    ['empty text', { title: '', version: 1 }, ['title must not be empty.']],
    ['too long', { title: 'abcdef', version: 1 }, ['title must be at most 5 characters.']],
    ['too small', { title: 'a', version: 0 }, ['version must be at least 1.']],
    ['an item of a list', { title: 'a', version: 1, tags: ['ok', 'long'] }, ['tags[1] must be at most 2 characters.']],
    ['an unknown field', { title: 'a', version: 1, titel: 'b' }, ['Unknown field: titel.']],
    ['not one of the values', { title: 'a', version: 1, kind: 'c' }, ['kind must be one of: "a", "b".']],
    ['a format', { title: 'a', version: 1, id: 'x' }, ['id must be a UUID.']],
    ['not an object', 'text', ['The value must be an object.']],
  ])('%s', (_, input, expected) => {
    expect(messages(Task, input)).toEqual(expected);
  });

  it('leaves a message written on the schema as it is', () => {
    expect(messages(z.object({ title: z.string().check(z.minLength(1, 'Give it a title.')) }), { title: '' })).toEqual([
      'Give it a title.',
    ]);
  });
});
