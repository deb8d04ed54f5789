import { any, api, auth, get, patch, post, table, uses } from '@gantry/decorators';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as zm from 'zod/mini';
import { buildManifest } from '../src/discover/build-manifest.js';
import { openApiDocument, stageServer } from '../src/openapi/openapi-document.js';

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

const manifest = buildManifest([{ file: 'src/notes.ts', exports: { NotesApi, Notes } }], {
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
});
interface Operation {
  parameters?: unknown[];
  requestBody: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, unknown>;
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
    expect(paths['/notes/{id}']?.get).not.toHaveProperty('security');
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
});
