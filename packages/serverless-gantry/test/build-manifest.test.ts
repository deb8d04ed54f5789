import { any, api, auth, del, fn, get, post, put, table, uses } from '@gantry/decorators';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildManifest, joinPath, kebab } from '../src/discover/build-manifest.js';
import { GantryBuildError } from '../src/errors.js';

const context = { service: 'shop', stage: 'dev' };
const Orders = table('orders', {
  partitionKey: { name: 'id', type: 'S' },
  indexes: { byCustomer: { partitionKey: { name: 'customer', type: 'S' } } },
});
const Customers = table('customers', { partitionKey: { name: 'id', type: 'S' } });

/** The problems buildManifest reports for these modules (fails the test when it reports none). */
function problemsOf(modules: Parameters<typeof buildManifest>[0]): string[] {
  try {
    buildManifest(modules, context);
  } catch (error) {
    if (error instanceof GantryBuildError) return error.problems;
    throw error;
  }
  throw new Error('expected a GantryBuildError');
}

describe('buildManifest', () => {
  @api('/orders', { cors: { origins: ['https://shop.example'] }, auth: { scopes: ['orders'] } })
  class OrdersApi {
    @get('/{id}', { params: z.object({ id: z.string() }) })
    @uses(Orders, 'read')
    @uses(Customers, 'read')
    static read() {}

    @post('/', { body: z.object({ item: z.string() }), auth: false })
    @uses(Orders, 'write')
    @uses(Orders, 'read')
    @fn({ memory: 512, name: 'place-order', environment: { MODE: 'strict' } })
    static create() {}

    @any('/{proxy+}')
    @auth({ authorizer: 'admin', scopes: ['admin'] })
    static fallback() {}
  }

  it('turns decorated classes and exported tables into a plain Manifest', () => {
    const manifest = buildManifest(
      [
        { file: 'src/tables.ts', exports: { Orders, Customers, unrelated: 42 } },
        { file: 'src/orders.ts', exports: { OrdersApi } },
      ],
      context,
    );
    expect(manifest.service).toBe('shop');
    expect(manifest.functions.map((f) => f.name)).toEqual(['orders-api-read', 'place-order', 'orders-api-fallback']);
    const [read, create, fallback] = manifest.functions;
    expect(read).toMatchObject({
      class: 'OrdersApi',
      export: 'OrdersApi',
      method: 'read',
      source: 'src/orders.ts',
      routes: [{ method: 'GET', path: '/orders/{id}', pathParameters: ['id'], auth: { scopes: ['orders'] } }],
      uses: [
        { table: 'customers', access: 'read' },
        { table: 'orders', access: 'read' },
      ],
      cors: { origins: ['https://shop.example'] },
    });
    expect(read?.schemas.params?.vendor).toBe('zod');
    expect(read?.schemas.params?.jsonSchema).toMatchObject({ properties: { id: { type: 'string' } } });
    expect(create?.routes[0]).toEqual({ method: 'POST', path: '/orders', pathParameters: [] });
    expect(create?.uses).toEqual([{ table: 'orders', access: 'readwrite' }]);
    expect(create?.config).toEqual({ memory: 512, environment: { MODE: 'strict' } });
    expect(fallback?.routes[0]).toMatchObject({
      method: 'ANY',
      path: '/orders/{proxy+}',
      pathParameters: ['proxy'],
      auth: { authorizer: 'admin', scopes: ['admin'] },
    });
    expect(manifest.tables).toEqual([
      {
        name: 'orders',
        tableName: 'shop-dev-orders',
        envVar: 'GANTRY_TABLE_ORDERS',
        partitionKey: { name: 'id', type: 'S' },
        indexes: [{ name: 'byCustomer', partitionKey: { name: 'customer', type: 'S' } }],
        source: 'src/tables.ts',
      },
      {
        name: 'customers',
        tableName: 'shop-dev-customers',
        envVar: 'GANTRY_TABLE_CUSTOMERS',
        partitionKey: { name: 'id', type: 'S' },
        indexes: [],
        source: 'src/tables.ts',
      },
    ]);
    expect(JSON.parse(JSON.stringify(manifest))).toEqual(manifest);
  });

  it('finds tables that are only used, and lists a re-exported class once', () => {
    const manifest = buildManifest(
      [
        { file: 'src/index.ts', exports: { OrdersApi, Again: OrdersApi } },
        { file: 'src/orders.ts', exports: { OrdersApi } },
      ],
      context,
    );
    expect(manifest.functions).toHaveLength(3);
    expect(manifest.functions.every((f) => f.source === 'src/index.ts')).toBe(true);
    expect(manifest.tables.map((t) => t.name).sort()).toEqual(['customers', 'orders']);
  });

  it('ignores exports that are neither tables nor decorated classes', () => {
    class Plain {}
    const manifest = buildManifest([{ file: 'src/misc.ts', exports: { Plain, value: 1, fn: () => 1 } }], context);
    expect(manifest).toEqual({ service: 'shop', stage: 'dev', functions: [], tables: [], queues: [] });
  });
});

describe("inheritance: a subclass never changes its base class's functions", () => {
  const Secrets = table('secrets', { partitionKey: { name: 'id', type: 'S' } });

  @api('/base', { auth: { scopes: ['base'] } })
  class BaseApi {
    @get('/items')
    @uses(Secrets, 'read')
    @fn({ memory: 256 })
    @auth({ scopes: ['reader'] })
    static list() {}
  }

  @api('/admin')
  class AdminApi extends BaseApi {
    @post('/items')
    @uses(Secrets, 'readwrite')
    @fn({ memory: 1024 })
    @auth({ scopes: ['admin'] })
    static override list() {}
  }

  it('makes the base and the subclass two functions, each exactly as declared', () => {
    const manifest = buildManifest([{ file: 'src/api.ts', exports: { BaseApi, AdminApi } }], context);
    expect(manifest.functions).toMatchObject([
      {
        name: 'base-api-list',
        class: 'BaseApi',
        routes: [{ method: 'GET', path: '/base/items', auth: { scopes: ['reader'] } }],
        uses: [{ table: 'secrets', access: 'read' }],
        config: { memory: 256 },
      },
      {
        name: 'admin-api-list',
        class: 'AdminApi',
        routes: [{ method: 'POST', path: '/admin/items', auth: { scopes: ['admin'] } }],
        uses: [{ table: 'secrets', access: 'readwrite' }],
        config: { memory: 1024 },
      },
    ]);
    expect(manifest.functions[0]?.routes).toHaveLength(1);
  });

  it('reports a base class whose decorated methods no handler module exports', () => {
    expect(problemsOf([{ file: 'src/admin.ts', exports: { AdminApi } }])).toEqual([
      "src/admin.ts › AdminApi: its base class BaseApi has decorated methods (list) but no handler module exports BaseApi, so they are no function's; export BaseApi from a handler module, or remove their decorators (a subclass's functions are only the methods decorated in its own body).",
    ]);
  });
});

describe('build errors name the file, class and method, and the fix', () => {
  it('reports a duplicate method + path, even with differently named parameters', () => {
    class A {
      @get('/items/{id}') static one() {}
    }
    class B {
      @get('/items/{itemId}') static two() {}
    }
    expect(problemsOf([{ file: 'src/a.ts', exports: { A, B } }])).toEqual([
      'src/a.ts › B.two: route GET /items/{itemId} is already served by src/a.ts › A.one; remove one of them or change its path.',
    ]);
  });

  it('reports a path parameter the params schema does not declare, and the reverse', () => {
    class Items {
      @put('/items/{id}/{part}', { params: z.object({ id: z.string(), version: z.string() }) })
      static update() {}
    }
    expect(problemsOf([{ file: 'src/items.ts', exports: { Items } }])).toEqual([
      "src/items.ts › Items.update: path parameter '{part}' in PUT /items/{id}/{part} is not declared in the params schema; add 'part' to it.",
      "src/items.ts › Items.update: the params schema declares 'version' but PUT /items/{id}/{part} has no '{version}'; remove it from the schema or add it to the path.",
    ]);
  });

  it('checks a valibot params schema against the path too (read through its JSON Schema converter)', () => {
    class Items {
      @put('/items/{id}/{part}', { params: v.object({ id: v.pipe(v.string(), v.uuid()), version: v.string() }) })
      static update() {}
    }
    expect(problemsOf([{ file: 'src/items.ts', exports: { Items } }])).toEqual([
      "src/items.ts › Items.update: path parameter '{part}' in PUT /items/{id}/{part} is not declared in the params schema; add 'part' to it.",
      "src/items.ts › Items.update: the params schema declares 'version' but PUT /items/{id}/{part} has no '{version}'; remove it from the schema or add it to the path.",
    ]);
  });

  it('reports uses() of something that is not a table', () => {
    const NotATable = { name: 'orders' };
    class Items {
      // @ts-expect-error: a plain object is not a table
      @uses(NotATable, 'read') @get('/x') static read() {}
    }
    expect(problemsOf([{ file: 'src/items.ts', exports: { Items } }])).toEqual([
      "src/items.ts › Items.read: uses() was given an object, not a table, a queue or a bucket: pass a value made by table('name', { ... }), queue('name') or bucket('name'), and check its import.",
    ]);
  });

  it('reports an access level that is not one, with the levels to choose from', () => {
    class Items {
      // @ts-expect-error: 'remove' is not an access level
      @uses(Orders, ['read', 'remove']) @get('/x') static read() {}
    }
    expect(problemsOf([{ file: 'src/items.ts', exports: { Items } }])).toEqual([
      `src/items.ts › Items.read: uses(orders) access ["read","remove"] is not a level or a non-empty list of levels: use one of 'read', 'create', 'update', 'delete', 'write', 'readwrite', or a list such as ['read', 'create'].`,
    ]);
  });

  it('records narrow levels and lists as declared, combining repeats by what they grant', () => {
    class Items {
      @uses(Orders, 'create') @uses(Orders, 'delete') @uses(Customers, ['update', 'read']) @get('/x') static read() {}
      @uses(Orders, ['create', 'write']) @get('/y') static write() {}
    }
    const manifest = buildManifest([{ file: 'src/items.ts', exports: { Items } }], context);
    expect(manifest.functions.map((f) => f.uses)).toEqual([
      [
        { table: 'customers', access: ['read', 'update'] },
        { table: 'orders', access: ['create', 'delete'] },
      ],
      [{ table: 'orders', access: 'write' }],
    ]);
  });

  it('reports uses() of undefined as a likely circular import', () => {
    class Items {
      // @ts-expect-error: undefined is not a table
      @uses(undefined, 'read') @get('/x') static read() {}
    }
    expect(problemsOf([{ file: 'src/items.ts', exports: { Items } }])[0]).toContain('undefined (a circular import?)');
  });

  it('reports generated function names that collide', () => {
    class OrdersApi {
      @get('/a') static getAll() {}
    }
    class OrdersApiGet {
      @get('/b') static all() {}
    }
    expect(problemsOf([{ file: 'src/o.ts', exports: { OrdersApi, OrdersApiGet } }])).toEqual([
      "src/o.ts › OrdersApiGet.all: function name 'orders-api-get-all' is also generated for src/o.ts › OrdersApi.getAll; rename one method or set @fn({ name: '...' }).",
    ]);
  });

  it('reports decorators on instance methods', () => {
    class Items {
      @get('/x') read() {}
    }
    expect(problemsOf([{ file: 'src/items.ts', exports: { Items } }])).toEqual([
      "src/items.ts › Items.read: Gantry decorators go on static methods (handlers are called without an instance); write 'static read(...)'.",
    ]);
  });

  it('reports malformed paths and parameters', () => {
    class Items {
      @get('/a/{proxy+}/b') static greedy() {}
      @get('/a/{bad-name}') static badName() {}
      @del('/a/{id}/{id}') static twice() {}
    }
    expect(problemsOf([{ file: 'src/items.ts', exports: { Items } }])).toEqual([
      "src/items.ts › Items.greedy: greedy parameter '{proxy+}' must be the last segment of /a/{proxy+}/b.",
      "src/items.ts › Items.badName: path parameter '{bad-name}' in /a/{bad-name} may hold only letters, digits and '_' (greedy: '{proxy+}').",
      "src/items.ts › Items.twice: path parameter '{id}' appears twice in /a/{id}/{id}.",
    ]);
  });

  it.each([
    ['/unclosed/{id', "GET /unclosed/{id has unbalanced braces in '{id'"],
    ['/closing/id}', "GET /closing/id} has unbalanced braces in 'id}'"],
    ['/backwards/}id{', "GET /backwards/}id{ has unbalanced braces in '}id{'"],
    ['/files/{id}.json', "GET /files/{id}.json: a path parameter must be a whole segment, so '{id}.json' is refused"],
    ['/pair/{a}{b}', "GET /pair/{a}{b}: a path parameter must be a whole segment, so '{a}{b}' is refused"],
    ['/star/*', "GET /star/*: HTTP API paths have no '*' wildcard; use a greedy parameter"],
    ['/up/../x', "GET /up/../x: '..' segments are not allowed"],
    ['/here/./x', "GET /here/./x: '.' segments are not allowed"],
    ['/caf\u00e9', "GET /caf\u00e9: segment 'caf\u00e9' holds characters API Gateway refuses"],
    ['/a%20b', "GET /a%20b: segment 'a%20b' holds characters API Gateway refuses"],
  ])('refuses the route path %s as HTTP API would, with file, class and method', (path, message) => {
    class Items {
      @get(path) static read() {}
    }
    const problems = problemsOf([{ file: 'src/items.ts', exports: { Items } }]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`src/items.ts › Items.read: ${message}`);
  });

  it('accepts the paths HTTP API accepts', () => {
    class Items {
      @get('/') static root() {}
      @get('/v1.2/items-all/{item_id}/raw_data') static a() {}
      @get('/files/{proxy+}') static b() {}
    }
    const manifest = buildManifest([{ file: 'src/items.ts', exports: { Items } }], context);
    expect(manifest.functions.map((f) => f.routes[0]?.pathParameters)).toEqual([[], ['item_id'], ['proxy']]);
  });

  it('reports index names DynamoDB refuses (they cannot be shortened: handlers query them by name)', () => {
    const events = table('events', {
      partitionKey: { name: 'id', type: 'S' },
      indexes: {
        by: { partitionKey: { name: 'k', type: 'S' } },
        [`i${'x'.repeat(255)}`]: { partitionKey: { name: 'k', type: 'S' } },
      },
    });
    expect(problemsOf([{ file: 'src/t.ts', exports: { events } }])).toEqual([
      "src/t.ts › table 'events': index name 'by' must be 3 to 255 letters, digits, '_', '-' or '.' (DynamoDB); rename it.",
      `src/t.ts › table 'events': index name 'i${'x'.repeat(255)}' must be 3 to 255 letters, digits, '_', '-' or '.' (DynamoDB); rename it.`,
    ]);
  });

  it('reports a function name or a route path whose CloudFormation logical IDs would pass 255 characters', () => {
    class Items {
      @fn({ name: `${'a-'.repeat(40)}b` }) @get('/x') static named() {}
      @fn({ name: 'c'.repeat(199) }) @get('/y') static longest() {}
      @get(`/${'p'.repeat(250)}`) static path() {}
    }
    expect(problemsOf([{ file: 'src/items.ts', exports: { Items } }])).toEqual([
      `src/items.ts › Items.named: function name '${'a-'.repeat(40)}b' (81 characters) is too long: the CloudFormation logical IDs osls derives from it would pass 255 characters; set a shorter @fn({ name }) (at most 79 characters here).`,
      `src/items.ts › Items.path: GET /${'p'.repeat(250)} is too long: the route's CloudFormation logical ID would pass 255 characters; shorten the path.`,
    ]);
  });

  it('reports two different tables with one name, once however many classes use them', () => {
    const first = table('orders', { partitionKey: { name: 'id', type: 'S' } });
    const second = table('orders', { partitionKey: { name: 'orderId', type: 'S' } });
    class A {
      @get('/a') @uses(second, 'read') static a() {}
      @get('/b') @uses(second, 'write') static b() {}
    }
    expect(problemsOf([{ file: 'src/t.ts', exports: { first, second, A } }])).toEqual([
      "src/t.ts › second: a second, different table is named 'orders' (first in src/t.ts); give each table its own name.",
    ]);
  });

  it('reports a key attribute typed differently in the table and an index', () => {
    const events = table('events', {
      partitionKey: { name: 'id', type: 'S' },
      indexes: { byId: { partitionKey: { name: 'id', type: 'N' } } },
    });
    expect(problemsOf([{ file: 'src/t.ts', exports: { events } }])).toEqual([
      "src/t.ts › table 'events': key attribute 'id' is typed both 'S' and 'N'; use one type for it in the table and its indexes.",
    ]);
  });

  it('reports function options Lambda would reject', () => {
    class Items {
      @fn({ memory: 64, timeout: 901, environment: { '1BAD': 'x' } }) @get('/x') static read() {}
    }
    expect(problemsOf([{ file: 'src/items.ts', exports: { Items } }])).toEqual([
      'src/items.ts › Items.read: @fn({ memory: 64 }) must be a whole number from 128 to 10240 MB.',
      'src/items.ts › Items.read: @fn({ timeout: 901 }) must be a whole number from 1 to 900 seconds.',
      "src/items.ts › Items.read: @fn({ environment }) key '1BAD' must be a letter followed by letters, digits or '_', with a string value.",
    ]);
  });

  it('reports every problem at once', () => {
    class Items {
      @get('/x') a() {}
      @get('/y') b() {}
    }
    expect(problemsOf([{ file: 'src/items.ts', exports: { Items } }])).toHaveLength(2);
  });
});

describe('names and paths', () => {
  it.each([
    ['NotesApi', 'notes-api'],
    ['getAll', 'get-all'],
    ['HTTPServer', 'http-server'],
    ['list_v2', 'list-v2'],
  ])('kebab(%s) is %s', (input, expected) => {
    expect(kebab(input)).toBe(expected);
  });

  it.each([
    ['/notes', '/{id}', '/notes/{id}'],
    ['/notes', '/', '/notes'],
    ['', '/', '/'],
    ['notes/', 'x/', '/notes/x'],
  ])('joinPath(%s, %s) is %s', (prefix, path, expected) => {
    expect(joinPath(prefix, path)).toBe(expected);
  });
});
