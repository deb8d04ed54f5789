import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverService } from '../src/build-service.js';
import type { Manifest } from '../src/manifest.js';
import { readServiceConfig } from '../src/testing/service-config.js';
import { sls } from './support/serverless.js';
import { SERVERLESS_YML, tempService } from './support/temp-service.js';

// `sls gantry openapi` (the real CLI) on every fixture service and both templates: the document
// validates as OpenAPI 3.1, passes Redocly's recommended rules with no error or warning, and holds
// every route of the service's Manifest (discovered here, in-process, from the same sources) with its
// method, parameters, body and response schemas, summary and security.
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const services = [
  'fixtures/accounts',
  'fixtures/faults',
  'fixtures/gateway',
  'fixtures/load',
  'fixtures/members',
  'fixtures/notes',
  'fixtures/offline-iam',
  'fixtures/testing',
  '../../../templates/tasks-app',
  '../../../templates/minimal-api',
];

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'gantry-openapi-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

type Operation = {
  summary?: string;
  parameters?: { name: string; in: string; required: boolean; schema: unknown }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
  security?: Record<string, string[]>[];
};

/** Redocly's `recommended` rule set, every problem it reports (errors and warnings) as `rule: message @ where`. */
async function redoclyProblems(text: string, file: string): Promise<string[]> {
  const config = await createConfig({ extends: ['recommended'] });
  const problems = await lintFromString({ source: text, absoluteRef: file, config });
  return problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} @ ${p.location[0]?.pointer ?? ''}`);
}

/** The service's Manifest, discovered in its own folder (module URLs differ, so nothing is shared). */
async function manifestOf(dir: string, name: string): Promise<Manifest> {
  const input = await readServiceConfig(dir);
  return (await discoverService(input, join(scratch, `discovery-${name}`))).manifest;
}

const openApiPath = (path: string) => path.replace(/\{([^}]+)\+\}/g, '{$1}');
const withoutDialect = ({ $schema: _, ...schema }: Record<string, unknown>) => schema;

describe('sls gantry openapi', () => {
  // Concurrent: each service's document is made in its own folder (most of the time is osls starting).
  it.concurrent.for(services)(
    '%s: a valid OpenAPI 3.1 document with every route of the Manifest',
    async (service, { expect }) => {
      const dir = here(service);
      const name = service.replace(/\W+/g, '-');
      const out = join(scratch, `${name}.json`);
      const [cli, manifest] = await Promise.all([sls(dir, ['gantry', 'openapi', '--out', out]), manifestOf(dir, name)]);
      expect(cli.code, cli.stdout + cli.stderr).toBe(0);
      const text = await readFile(out, 'utf8');
      const document = JSON.parse(text);

      const validation = await new Validator().validate(structuredClone(document));
      expect(validation.errors).toBeUndefined();
      expect(document.openapi).toMatch(/^3\.1\./);
      expect(await redoclyProblems(text, out)).toEqual([]);

      const paths = document.paths as Record<string, Record<string, Operation>>;
      let operations = 0;
      for (const fn of manifest.functions) {
        for (const route of fn.routes) {
          const methods =
            route.method === 'ANY' ? ['get', 'post', 'put', 'patch', 'delete'] : [route.method.toLowerCase()];
          for (const method of methods) {
            const operation = paths[openApiPath(route.path)]?.[method];
            expect(operation, `${route.method} ${route.path}`).toBeDefined();
            operations++;
            const inPath = (operation?.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
            expect(inPath).toEqual(route.pathParameters);
            const inQuery = (operation?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
            expect(inQuery).toEqual(
              Object.keys((fn.schemas.query?.jsonSchema?.properties as object | undefined) ?? {}),
            );
            const body = operation?.requestBody?.content['application/json']?.schema;
            if (fn.schemas.body?.jsonSchema) expect(body).toEqual(withoutDialect(fn.schemas.body.jsonSchema));
            else if (fn.schemas.body) expect(body).toEqual({});
            else expect(operation?.requestBody).toBeUndefined();
            if (route.auth) expect(operation?.security?.[0]).toEqual(expect.any(Object));
            else expect(operation?.security).toEqual([]);
            expect(operation?.summary).toEqual(expect.any(String));
            const response = fn.schemas.response;
            const success = operation?.responses['2XX']?.content?.['application/json']?.schema;
            if (response === null) expect(Object.keys(operation?.responses ?? {})).toContain('204');
            else if (response?.jsonSchema) expect(success).toEqual(withoutDialect(response.jsonSchema));
            else expect(success).toEqual({});
          }
        }
      }
      expect(operations).toBeGreaterThan(0);
    },
  );

  it('tasks-app: bodies, answers, summaries, parameters, the scopes of the stage asked for and --server', async () => {
    const out = join(scratch, 'tasks-prod.json');
    const cli = await sls(here('../../../templates/tasks-app'), [
      ...['gantry', 'openapi', '--stage', 'prod', '--out', out],
      ...['--server', 'http://localhost:3000/'],
    ]);
    expect(cli.code, cli.stdout + cli.stderr).toBe(0);
    const document = JSON.parse(await readFile(out, 'utf8'));
    expect(document.info.description).toContain('stage prod');
    expect(document.info.license).toEqual({ name: 'MIT', identifier: 'MIT' });
    expect(document.servers.map((server: { url: string }) => server.url)).toEqual([
      'http://localhost:3000',
      'https://{apiId}.execute-api.us-east-1.amazonaws.com',
    ]);
    // TaskSchema, the response schema of read (the client's types check the same schema's output type).
    const task = document.paths['/tasks/{id}'].get.responses['2XX'].content['application/json'].schema;
    expect(task).toMatchObject({
      type: 'object',
      properties: {
        id: { type: 'string', format: 'uuid' },
        done: { type: 'boolean' },
        version: { type: 'integer' },
        updatedAt: { type: 'string', format: 'date-time' },
      },
    });
    expect(document.paths['/lists/{listId}/tasks'].get.responses['2XX'].content['application/json'].schema).toEqual({
      type: 'object',
      properties: { items: { type: 'array', items: task }, cursor: expect.objectContaining({ type: 'string' }) },
      required: ['items'],
    });
    expect(document.paths['/tasks/{id}'].delete.responses['204']).toEqual({ description: expect.any(String) });
    // The methods' TSDoc: its first paragraph.
    expect(document.paths['/tasks/{id}'].patch.summary).toMatch(/^Changes the title or done/);
    const create = document.paths['/lists/{listId}/tasks'].post;
    expect(create.requestBody.content['application/json'].schema).toEqual({
      type: 'object',
      properties: { title: { type: 'string', minLength: 1, maxLength: 200 } },
      required: ['title'],
      additionalProperties: false,
    });
    expect(document.paths['/tasks/{id}'].delete.parameters).toEqual([
      { name: 'id', in: 'path', required: true, schema: expect.objectContaining({ type: 'string', format: 'uuid' }) },
      {
        name: 'version',
        in: 'query',
        required: true,
        // What the client sends: text of digits (the schema reads it as text first, then a number).
        schema: expect.objectContaining({
          type: 'string',
          pattern: '^\\d+$',
          description: 'The version of the task you last saw (1 or more).',
        }),
      },
    ]);
  });

  it('accounts fixture: the JWT authorizer as a security scheme, with each route’s scopes', async () => {
    const out = join(scratch, 'accounts-auth.json');
    const cli = await sls(here('fixtures/accounts'), ['gantry', 'openapi', '--out', out]);
    expect(cli.code, cli.stdout + cli.stderr).toBe(0);
    const document = JSON.parse(await readFile(out, 'utf8'));
    expect(document.components.securitySchemes.jwt).toMatchObject({
      type: 'openIdConnect',
      openIdConnectUrl: 'https://issuer.example.com/.well-known/openid-configuration',
    });
    const secured = Object.values(document.paths as Record<string, Record<string, Operation>>)
      .flatMap((item) => Object.values(item))
      .filter((operation) => operation.security?.length); // public routes: `security: []`
    expect(secured.length).toBeGreaterThan(0);
    for (const operation of secured) expect(Object.keys(operation.security?.[0] ?? {})).toEqual(['jwt']);
  });

  it("documents valibot schemas through valibot's converter, and a schema with no converter as any value, with a warning naming the route", async () => {
    const service = await tempService({
      'serverless.yml': SERVERLESS_YML('openapi-valibot'),
      'src/notes.ts': `import { api, post, put } from '@gantry/decorators';
import * as v from 'valibot';
// A Standard Schema written by hand: no library, so nothing can convert it to JSON Schema.
const handWritten = { '~standard': { version: 1, vendor: 'hand-written', validate: (value: unknown) => ({ value }) } };
@api('/notes')
export class NotesApi {
  @post('/', { body: v.strictObject({ text: v.pipe(v.string(), v.maxLength(50)), pinned: v.optional(v.boolean()) }) })
  static async create() {}
  @put('/{id}', { params: v.object({ id: v.pipe(v.string(), v.uuid()) }), body: handWritten })
  static async replace() {}
}
`,
    });
    try {
      const cli = await sls(service.dir, ['gantry', 'openapi']);
      expect(cli.code, cli.stdout + cli.stderr).toBe(0);
      expect(cli.stderr).not.toMatch(/NotesApi\.create/);
      expect(cli.stderr).toMatch(
        /src\/notes\.ts › NotesApi\.replace: the body schema \(hand-written\) of PUT \/notes\/\{id\} has no JSON Schema/,
      );
      const document = JSON.parse(cli.stdout); // stdout holds the document and nothing else
      expect(document.paths['/notes'].post.requestBody.content['application/json'].schema).toEqual({
        type: 'object',
        properties: { text: { type: 'string', maxLength: 50 }, pinned: { type: 'boolean' } },
        required: ['text'],
        additionalProperties: false,
      });
      expect(document.paths['/notes/{id}'].put.parameters).toEqual([
        { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
      ]);
      expect(document.paths['/notes/{id}'].put.requestBody.content['application/json'].schema).toEqual({});
    } finally {
      await service.remove();
    }
  });
});
