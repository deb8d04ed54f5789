import { describe, expect, it } from 'vitest';
import {
  bucket,
  bucketEnvVar,
  isBucket,
  onObjectCreated,
  onObjectRemoved,
  queue,
  readClassMetadata,
  table,
  uses,
} from '../src/index.js';

const Uploads = bucket('uploads', { lifecycle: { expireAfterDays: 30 } });
const Notes = table('notes', { partitionKey: { name: 'id', type: 'S' } });

function problemsOf(target: unknown, method: string): string[] {
  return readClassMetadata(target)?.methods[method]?.problems ?? [];
}

describe('bucket()', () => {
  it('is a frozen value recognised by isBucket, with its environment variable', () => {
    expect(isBucket(Uploads)).toBe(true);
    expect(isBucket({ name: 'uploads' })).toBe(false);
    expect(isBucket(Notes)).toBe(false);
    expect(Object.isFrozen(Uploads)).toBe(true);
    expect(bucketEnvVar(bucket('user-files'))).toBe('GANTRY_BUCKET_USER_FILES');
  });
});

describe('@uses(bucket, access, options)', () => {
  it('records the levels and the prefix as written, and no options when none are given', () => {
    class Files {
      @uses(Uploads, 'write', { prefix: 'incoming/' })
      @uses(Uploads, ['read', 'list'])
      static sign() {}
    }
    const record = readClassMetadata(Files)?.methods.sign;
    expect(record?.uses).toEqual([
      { resource: Uploads, access: ['read', 'list'] },
      { resource: Uploads, access: 'write', options: { prefix: 'incoming/' } },
    ]);
    expect(record?.problems).toEqual([]);
    // Decorators record only: the method is callable as written.
    expect(Files.sign()).toBeUndefined();
  });

  it.each([
    [
      'send',
      `uses(uploads) access "send" is not a bucket access level or a non-empty list of them: use one of 'read', 'write', 'delete', 'list', or a list such as ['read', 'write'].`,
    ],
    [
      [],
      `uses(uploads) access [] is not a bucket access level or a non-empty list of them: use one of 'read', 'write', 'delete', 'list', or a list such as ['read', 'write'].`,
    ],
    [
      'readwrite',
      `uses(uploads) access "readwrite" is not a bucket access level or a non-empty list of them: use one of 'read', 'write', 'delete', 'list', or a list such as ['read', 'write'].`,
    ],
  ])('refuses the access %j with the levels to use', (access, problem) => {
    class Files {
      @uses(Uploads, access as never)
      static read() {}
    }
    expect(problemsOf(Files, 'read')).toEqual([problem]);
  });

  it.each([
    [
      '/incoming/',
      "uses(uploads, access, { prefix }): prefix '/incoming/' starts with '/', which S3 keys do not (a key is 'uploads/a.jpg', not a path); write 'incoming/'.",
    ],
    [
      'incoming/*',
      "uses(uploads, access, { prefix }): prefix 'incoming/*' holds '*' or '?'; a prefix is matched literally (IAM would read them as wildcards and grant more): remove them.",
    ],
    [
      'a?b/',
      "uses(uploads, access, { prefix }): prefix 'a?b/' holds '*' or '?'; a prefix is matched literally (IAM would read them as wildcards and grant more): remove them.",
    ],
    [
      'users/${aws:userid}/',
      "uses(uploads, access, { prefix }): prefix 'users/${aws:userid}/' holds '${', which IAM reads as a policy variable; remove it.",
    ],
    [42, "uses(uploads, access, { prefix }): the prefix must be a string such as 'uploads/'."],
  ])('refuses the prefix %j with the rule and the fix', (prefix, problem) => {
    class Files {
      @uses(Uploads, 'read', { prefix: prefix as string })
      static read() {}
    }
    expect(problemsOf(Files, 'read')).toEqual([problem]);
  });

  it('refuses an unknown option, and options on a table or a queue', () => {
    const Jobs = queue('jobs');
    class Files {
      @uses(Uploads, 'read', { prefix: 'a/', recursive: true } as never)
      static read() {}

      // @ts-expect-error: a table's use takes no options
      @uses(Notes, 'read', { prefix: 'a/' })
      static table() {}

      // @ts-expect-error: a queue's use takes no options
      @uses(Jobs, 'send', { prefix: 'a/' })
      static queue() {}
    }
    expect(problemsOf(Files, 'read')).toEqual(["uses(uploads) has no option 'recursive'; the one option is prefix."]);
    expect(problemsOf(Files, 'table')).toEqual([
      `uses(notes, "read", options): only a bucket's use takes options (a prefix); remove them.`,
    ]);
    expect(problemsOf(Files, 'queue')).toEqual([
      `uses(jobs, "send", options): only a bucket's use takes options (a prefix); remove them.`,
    ]);
  });

  it('names buckets in the fix when given something that is no table, queue or bucket', () => {
    class Files {
      @uses({ name: 'uploads' } as never, 'read')
      static read() {}
    }
    expect(problemsOf(Files, 'read')).toEqual([
      "uses() was given an object, not a table, a queue or a bucket: pass a value made by table('name', { ... }), queue('name') or bucket('name'), and check its import.",
    ]);
  });
});

describe('@onObjectCreated and @onObjectRemoved', () => {
  it('record object triggers with their events and filters, in the order written', () => {
    class Files {
      @onObjectCreated(Uploads, { prefix: 'incoming/', suffix: '.jpg' })
      @onObjectRemoved(Uploads)
      static track() {}
    }
    expect(readClassMetadata(Files)?.methods.track).toMatchObject({
      triggers: [
        { type: 'object', bucket: Uploads, events: 'created', options: { prefix: 'incoming/', suffix: '.jpg' } },
        { type: 'object', bucket: Uploads, events: 'removed', options: {} },
      ],
      problems: [],
    });
  });

  it('refuse a value that is no bucket, and wildcards or a leading slash in their filters', () => {
    class Files {
      @onObjectCreated(Notes as never)
      static wrong() {}

      @onObjectRemoved(Uploads, { prefix: '/incoming/', suffix: '*.jpg' })
      static filters() {}
    }
    expect(problemsOf(Files, 'wrong')).toEqual([
      "onObjectCreated() was given an object, not a bucket: pass a value made by bucket('name', { ... }) and check its import.",
    ]);
    expect(problemsOf(Files, 'filters')).toEqual([
      "@onObjectRemoved(uploads, { ... }): prefix '/incoming/' starts with '/', which S3 keys do not (a key is 'uploads/a.jpg', not a path); write 'incoming/'.",
      "@onObjectRemoved(uploads, { ... }): suffix '*.jpg' holds '*' or '?'; a suffix is matched literally (S3's filters have no wildcards: it would match only keys that end in those very characters): remove them.",
    ]);
  });
});
