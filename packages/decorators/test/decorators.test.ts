import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type Access,
  accessActions,
  api,
  auth,
  combineAccess,
  del,
  fn,
  get,
  isTable,
  levelsAllowing,
  normalizeAccess,
  post,
  readClassMetadata,
  table,
  tableEnvVar,
  uses,
} from '../src/index.js';

const Notes = table('notes', {
  partitionKey: { name: 'id', type: 'S' },
  indexes: { byOwner: { partitionKey: { name: 'owner', type: 'S' } } },
  ttl: 'expiresAt',
});

const NoteInput = z.object({ text: z.string() });

@api('/notes', { cors: true })
class NotesApi {
  @get('/{id}')
  @uses(Notes, 'read')
  static async read(id: string) {
    return { id };
  }

  @post('/', { body: NoteInput })
  @uses(Notes, 'write')
  @fn({ memory: 512, timeout: 10, environment: { A: '1' } })
  @fn({ environment: { B: '2' } })
  static create() {
    return 'created';
  }

  @del('/{id}')
  @auth({ scopes: ['notes:delete'] })
  static remove() {
    return undefined;
  }

  static helper() {
    return 'not decorated';
  }
}

describe('decorators', () => {
  it('leave the class callable as written', async () => {
    expect(await NotesApi.read('n1')).toEqual({ id: 'n1' });
    expect(NotesApi.create()).toBe('created');
    expect(NotesApi.helper()).toBe('not decorated');
  });

  it('record the class prefix, routes, table use, options, schemas and auth', () => {
    const meta = readClassMetadata(NotesApi);
    expect(meta?.api).toEqual({ prefix: '/notes', options: { cors: true } });
    expect(Object.keys(meta?.methods ?? {})).toEqual(['read', 'create', 'remove']);
    expect(meta?.methods.read).toMatchObject({
      isStatic: true,
      routes: [{ method: 'GET', path: '/{id}' }],
      uses: [{ resource: Notes, access: 'read' }],
      problems: [],
    });
    expect(meta?.methods.create?.options).toEqual({ memory: 512, timeout: 10, environment: { A: '1', B: '2' } });
    expect(meta?.methods.create?.schemas.body).toBe(NoteInput);
    expect(meta?.methods.remove?.auth).toEqual({ scopes: ['notes:delete'] });
  });

  it('return undefined for a class without decorators', () => {
    class Plain {}
    expect(readClassMetadata(Plain)).toBeUndefined();
    expect(readClassMetadata({})).toBeUndefined();
  });

  it('record problems instead of throwing, for discovery to report with file and class', () => {
    class Broken {
      // @ts-expect-error: not a table
      @uses({ name: 'notes' }, 'read')
      // @ts-expect-error: not an access level
      @uses(Notes, 'admin')
      @get('notes')
      static bad() {}

      @get('/x')
      instance() {}
    }
    const meta = readClassMetadata(Broken);
    expect(meta?.methods.bad?.problems).toEqual([
      expect.stringContaining("Route path 'notes' must start with '/'"),
      expect.stringContaining(
        `uses(notes) access "admin" is not a level or a non-empty list of levels: use one of 'read', 'create', 'update', 'delete', 'write', 'readwrite'`,
      ),
      expect.stringContaining('not a table'),
    ]);
    expect(meta?.methods.instance?.isStatic).toBe(false);
  });

  it('keep subclasses separate from their base class (its own decorated methods only)', () => {
    class Base {
      @get('/a') static a() {}
    }
    class Child extends Base {
      @get('/b') static b() {}
    }
    expect(Object.keys(readClassMetadata(Base)?.methods ?? {})).toEqual(['a']);
    expect(Object.keys(readClassMetadata(Child)?.methods ?? {})).toEqual(['b']);
  });
});

describe('table', () => {
  it('makes a frozen, recognisable value', () => {
    expect(isTable(Notes)).toBe(true);
    expect(isTable({ name: 'notes', partitionKey: { name: 'id', type: 'S' } })).toBe(false);
    expect(Object.isFrozen(Notes)).toBe(true);
  });

  it('rejects names DynamoDB would reject', () => {
    expect(() => table('my notes', { partitionKey: { name: 'id', type: 'S' } })).toThrow(/may hold only letters/);
  });

  it('names the environment variable that carries the deployed name', () => {
    expect(tableEnvVar(Notes)).toBe('GANTRY_TABLE_NOTES');
    expect(tableEnvVar('user-sessions.v2')).toBe('GANTRY_TABLE_USER_SESSIONS_V2');
  });
});

describe('access levels (the contract in README.md)', () => {
  it.each([
    ['read', ['GetItem', 'BatchGetItem', 'Query', 'Scan', 'ConditionCheckItem']],
    ['write', ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'ConditionCheckItem']],
    [
      'readwrite',
      [
        'GetItem',
        'BatchGetItem',
        'Query',
        'Scan',
        'ConditionCheckItem',
        'PutItem',
        'UpdateItem',
        'DeleteItem',
        'BatchWriteItem',
      ],
    ],
    ['create', ['PutItem', 'ConditionCheckItem']],
    ['update', ['UpdateItem', 'ConditionCheckItem']],
    ['delete', ['DeleteItem', 'ConditionCheckItem']],
    [
      ['read', 'create'],
      ['GetItem', 'BatchGetItem', 'Query', 'Scan', 'ConditionCheckItem', 'PutItem'],
    ],
    [
      ['update', 'delete'],
      ['UpdateItem', 'ConditionCheckItem', 'DeleteItem'],
    ],
  ] as const)('%s grants exactly its actions', (access, actions) => {
    expect(accessActions(access)).toEqual(actions.map((a) => `dynamodb:${a}`));
  });

  it('no narrow level grants BatchWriteItem, which can delete whatever else it is given', () => {
    for (const level of ['create', 'update', 'delete'] as const) {
      expect(accessActions(level)).not.toContain('dynamodb:BatchWriteItem');
    }
    expect(accessActions('create')).not.toContain('dynamodb:DeleteItem');
  });

  it.each([
    [['read', 'write'], 'readwrite'],
    [['create', 'write'], 'write'],
    [
      ['delete', 'create', 'create'],
      ['create', 'delete'],
    ],
    [['read', 'update', 'readwrite'], 'readwrite'],
    [['update'], 'update'],
  ] as const)('combines %j as %j', (levels, expected) => {
    expect(normalizeAccess(levels)).toEqual(expected);
    const [first, ...rest] = levels;
    expect(rest.reduce<Access>((a, b) => combineAccess(a, b), first)).toEqual(expected);
  });

  it.each([
    ['dynamodb:DeleteItem', ['delete', 'write', 'readwrite']],
    ['dynamodb:PutItem', ['create', 'write', 'readwrite']],
    ['dynamodb:BatchWriteItem', ['write', 'readwrite']],
    ['dynamodb:Query', ['read', 'readwrite']],
  ])('a call of %s needs one of %j', (action, levels) => {
    expect(levelsAllowing(action)).toEqual(levels);
  });

  it('accepts a list of levels and records a problem for an empty or wrong list', () => {
    const Notes = table('notes', { partitionKey: { name: 'id', type: 'S' } });
    class Lists {
      @uses(Notes, ['read', 'create'])
      @get('/a')
      static good() {}

      // @ts-expect-error: not an access level
      @uses(Notes, ['read', 'remove'])
      @get('/b')
      static wrong() {}

      @uses(Notes, [])
      @get('/c')
      static empty() {}
    }
    const meta = readClassMetadata(Lists);
    expect(meta?.methods.good?.problems).toEqual([]);
    expect(meta?.methods.wrong?.problems).toEqual([expect.stringContaining('access ["read","remove"] is not a level')]);
    expect(meta?.methods.empty?.problems).toEqual([expect.stringContaining('access [] is not a level')]);
  });
});
