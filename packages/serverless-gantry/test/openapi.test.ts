import { fileURLToPath } from 'node:url';
import { any, api, auth, del, get, patch, post, table, uses } from '@gantry/decorators';
import { created } from '@gantry/middy';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import * as zm from 'zod/mini';
// Type only: the typed client's result type, checked against the schema the document is made from.
import type { ResponseData } from '../../client/dist/types.js';
import { buildManifest } from '../src/discover/build-manifest.js';
import { methodDocKey, methodDocs } from '../src/openapi/method-docs.js';
import { openApiDocument, stageServer } from '../src/openapi/openapi-document.js';
import { serviceOpenApi } from '../src/openapi/service-openapi.js';

const Notes = table('notes', { partitionKey: { name: 'id', type: 'S' } });
/** A Standard Schema written by hand: no library, so nothing can convert it to JSON Schema. */
const handWritten = {
  '~standard': { version: 1, vendor: 'hand-written', validate: (value: unknown) => ({ value }) },
} as const;

@api('/notes')
class NotesApi {
  // zod/mini has no Standard JSON Schema interface: zod's own converter must describe it.
  @get('/{id}', {
    params: zm.object({ id: zm.string().check(zm.minLength(3)) }),
    query: zm.object({ full: zm.optional(zm.enum(['yes', 'no'])) }),
  })
  @uses(Notes, 'read')
  static read() {}

  @post('/', { body: z.object({ text: z.string().min(1), at: z.date().optional() }) })
  @uses(Notes, 'write')
  @auth({ scopes: ['notes/write'] })
  static create() {}

  // Neither the Standard JSON Schema interface nor a converter Gantry knows.
  @patch('/{id}', { params: z.object({ id: z.string() }), body: handWritten })
  @uses(Notes, 'write')
  static update() {}

  @any('/files/{proxy+}')
  static files() {}
}

// One declaration, two readers: the typed client reads the methods' return types, which the
// decorator holds to the schema's output type; the document reads the schema.
const Item = z.object({ id: z.string(), name: z.string(), size: z.number().default(0) });

@api('/items')
class ItemsApi {
  @get('/{id}', { response: Item })
  static async read(): Promise<z.output<typeof Item>> {
    return { id: 'a', name: 'b', size: 1 };
  }

  @post('/', { response: Item })
  static async create() {
    return created<z.output<typeof Item>>({ id: 'a', name: 'b', size: 1 }, '/items/a');
  }

  @del('/{id}', { response: null })
  static async remove() {}

  // @ts-expect-error the method returns a size as text, the response schema says a number
  @get('/{id}/raw', { response: Item })
  static raw() {
    return { id: 'a', name: 'b', size: '1' };
  }
}

const manifest = buildManifest([{ file: 'src/notes.ts', exports: { NotesApi, Notes, ItemsApi } }], {
  service: 'notes',
  stage: 'dev',
});
const authorizers = {
  jwt: {
    type: 'jwt',
    identitySource: '$request.header.Authorization',
    issuerUrl: 'https://issuer.example.com',
    audience: ['notes'],
  },
};
const { document, warnings } = openApiDocument({
  manifest,
  authorizers,
  servers: [stageServer({ stage: 'dev', region: 'eu-west-1' })],
  license: 'MIT',
  docs: new Map([
    [
      methodDocKey({ source: 'src/notes.ts', class: 'NotesApi', method: 'read' }),
      { summary: 'A note.', description: 'By its id.' },
    ],
  ]),
});
interface Operation {
  parameters?: unknown[];
  requestBody: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, unknown>;
  summary?: string;
  description?: string;
  security?: unknown;
}
interface Components {
  schemas: { ApiError: { properties: { error: { properties: { issues: { items: unknown } } } } } };
  responses: { BadRequest: { content: Record<string, { schema: unknown }> } };
  securitySchemes: Record<string, unknown>;
}
const paths = document.paths as Record<string, Record<string, Operation>>;
const components = document.components as Components;

describe('openApiDocument', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(structuredClone(document));
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
  });

  it('describes zod/mini path and query parameters through zod’s converter', () => {
    const read = paths['/notes/{id}']?.get;
    expect(read?.parameters).toEqual([
      { name: 'id', in: 'path', required: true, schema: { type: 'string', minLength: 3 } },
      { name: 'full', in: 'query', required: false, schema: { type: 'string', enum: ['yes', 'no'] } },
    ]);
  });

  it('describes a zod body, with a type JSON Schema cannot hold as an open schema', () => {
    const body = paths['/notes']?.post?.requestBody.content['application/json']?.schema;
    expect(body).toMatchObject({ type: 'object', properties: { text: { type: 'string', minLength: 1 }, at: {} } });
    expect(body?.required).toEqual(['text']);
    expect(body).not.toHaveProperty('$schema');
  });

  it('documents a schema without JSON Schema as any value and warns, naming file, class, method and route', () => {
    expect(paths['/notes/{id}']?.patch?.requestBody.content['application/json']?.schema).toEqual({});
    expect(warnings).toEqual([
      expect.stringMatching(
        /^src\/notes\.ts › NotesApi\.update: the body schema \(hand-written\) of PATCH \/notes\/\{id\} has no JSON Schema/,
      ),
    ]);
  });

  it("lists the kit's and API Gateway's error answers, auth ones only where the route needs auth", () => {
    const create = paths['/notes']?.post;
    expect(Object.keys(create?.responses ?? {}).sort()).toEqual(
      ['2XX', '400', '401', '403', '404', '409', '413', '415', '429', '500', '503'].sort(),
    );
    expect(Object.keys(paths['/notes/{id}']?.get?.responses ?? {})).not.toContain('401');
    expect(Object.keys(paths['/notes/{id}']?.get?.responses ?? {})).not.toContain('409'); // reads only
    expect(components.schemas.ApiError.properties.error.properties.issues.items).toEqual({
      $ref: '#/components/schemas/Issue',
    });
    expect(components.responses.BadRequest.content['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/ApiError',
    });
  });

  it('turns the authorizer into a security scheme and the route’s scopes into its requirement', () => {
    expect(paths['/notes']?.post?.security).toEqual([{ jwt: ['notes/write'] }]);
    expect(components.securitySchemes.jwt).toMatchObject({
      type: 'openIdConnect',
      openIdConnectUrl: 'https://issuer.example.com/.well-known/openid-configuration',
    });
  });

  it('marks a public route public with an explicit empty security requirement', () => {
    expect(paths['/notes/{id}']?.get?.security).toEqual([]);
    expect(paths['/items/{id}']?.get?.security).toEqual([]);
  });

  it('writes ANY out as every method and a greedy {proxy+} as {proxy}', () => {
    const files = paths['/files/{proxy}'] ?? paths['/notes/files/{proxy}'];
    expect(Object.keys(files ?? {}).sort()).toEqual(['delete', 'get', 'head', 'options', 'patch', 'post', 'put']);
    expect(files?.get?.parameters).toEqual([
      expect.objectContaining({ name: 'proxy', in: 'path', required: true, schema: { type: 'string' } }),
    ]);
  });

  it("gives the stage's server, with the API id as a variable until it is known", () => {
    expect(document.servers).toEqual([
      expect.objectContaining({ url: 'https://{apiId}.execute-api.eu-west-1.amazonaws.com' }),
    ]);
    expect(stageServer({ stage: 'prod', region: 'us-east-1', httpApiId: 'abc123' }).url).toBe(
      'https://abc123.execute-api.us-east-1.amazonaws.com',
    );
  });

  it("describes a success body by the route's response schema, as the typed client types it", () => {
    // What the document says: the schema's output side (where a default makes `size` always present).
    const { $schema: _dialect, ...converted } = z.toJSONSchema(Item, { target: 'draft-2020-12', io: 'output' });
    const success = (operation?: Operation) =>
      (operation?.responses['2XX'] as { content: Record<string, { schema: unknown }> } | undefined)?.content[
        'application/json'
      ]?.schema;
    expect(success(paths['/items/{id}']?.get)).toEqual(converted);
    expect(success(paths['/items']?.post)).toEqual(converted);
    expect(converted.required).toEqual(['id', 'name', 'size']);
    // What the client says: the same schema's output type.
    expectTypeOf<ResponseData<typeof ItemsApi.read>>().toEqualTypeOf<z.output<typeof Item>>();
    expectTypeOf<ResponseData<typeof ItemsApi.create>>().toEqualTypeOf<z.output<typeof Item>>();
  });

  it('answers 204 with no body where the route declares `response: null`', () => {
    expect(Object.keys(paths['/items/{id}']?.delete?.responses ?? {})).toContain('204');
    expect(paths['/items/{id}']?.delete?.responses).not.toHaveProperty('2XX');
    expect(paths['/items/{id}']?.delete?.responses['204']).not.toHaveProperty('content');
  });

  it("takes summaries and descriptions from the methods' TSDoc, else names the class and method", () => {
    expect(paths['/notes/{id}']?.get).toMatchObject({ summary: 'A note.', description: 'By its id.' });
    expect(paths['/notes']?.post).toMatchObject({ summary: 'NotesApi.create' });
    expect(paths['/notes']?.post).not.toHaveProperty('description');
  });

  it('reads TSDoc with the TypeScript parser: the first paragraph, then the rest', async () => {
    const tasksApp = fileURLToPath(new URL('../../../templates/tasks-app', import.meta.url));
    const docs = await methodDocs(tasksApp, [
      { source: 'src/tasks.ts', class: 'TasksApi', method: 'list' },
      { source: 'src/tasks.ts', class: 'TasksApi', method: 'missing' },
    ]);
    expect(docs.get('src/tasks.ts#TasksApi.list')?.summary).toMatch(/^A list's tasks/);
    expect(docs.has('src/tasks.ts#TasksApi.missing')).toBe(false);
  });

  it("gives the license of the service's package.json, as an SPDX identifier", () => {
    expect((document.info as { license?: unknown }).license).toEqual({ name: 'MIT', identifier: 'MIT' });
  });

  it('holds only the error components the operations refer to', () => {
    // No route here needs auth and has a body at once, but every referred name is defined.
    const text = JSON.stringify(document.paths);
    for (const name of Object.keys(components.responses)) expect(text).toContain(`#/components/responses/${name}`);
    const all = JSON.stringify({ paths: document.paths, responses: components.responses, schemas: components.schemas });
    for (const name of Object.keys(components.schemas)) expect(all).toContain(`#/components/schemas/${name}`);
  });

  it('lists a --server URL first, and refuses one that is not an http(s) URL, saying what to give', async () => {
    const servicePath = fileURLToPath(new URL('../../../templates/minimal-api', import.meta.url));
    const given = await serviceOpenApi({ manifest, servicePath, region: 'eu-west-1', server: 'https://api.test/' });
    expect((given.document.servers as { url: string }[]).map((server) => server.url)).toEqual([
      'https://api.test',
      'https://{apiId}.execute-api.eu-west-1.amazonaws.com',
    ]);
    await expect(
      serviceOpenApi({ manifest, servicePath, region: 'eu-west-1', server: 'localhost:3000' }),
    ).rejects.toThrow("--server 'localhost:3000' must be an http or https URL, e.g. http://localhost:3000.");
  });
});
