import * as v from 'valibot';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { HttpRequest } from '../src/index.js';

// These assertions are checked by the compiler (`pnpm typecheck`, run in CI); at run time
// expectTypeOf does nothing. A wrong inference fails the type check.
describe('HttpRequest infers its parts from the route schemas', () => {
  const Body = z.object({ text: z.string(), tags: z.array(z.string()).optional() });
  const Params = z.object({ id: z.uuid() });
  const Query = z.object({ limit: z.coerce.number().optional() });

  it("uses the schemas' output types", () => {
    type Req = HttpRequest<{ body: typeof Body; params: typeof Params; query: typeof Query }>;
    expectTypeOf<Req['body']>().toEqualTypeOf<{ text: string; tags?: string[] | undefined }>();
    expectTypeOf<Req['params']>().toEqualTypeOf<{ id: string }>();
    expectTypeOf<Req['query']>().toEqualTypeOf<{ limit?: number | undefined }>();
  });

  it('falls back to raw shapes without schemas', () => {
    expectTypeOf<HttpRequest['body']>().toBeUnknown();
    expectTypeOf<HttpRequest['params']>().toEqualTypeOf<Record<string, string>>();
    expectTypeOf<HttpRequest<{ body: typeof Body }>['query']>().toEqualTypeOf<Record<string, string>>();
  });

  it('works with any Standard Schema library', () => {
    const Input = v.object({ n: v.number() });
    expectTypeOf<HttpRequest<{ body: typeof Input }>['body']>().toEqualTypeOf<{ n: number }>();
  });

  it('gives the common parts their types', () => {
    expectTypeOf<HttpRequest['headers']>().toEqualTypeOf<Record<string, string>>();
    expectTypeOf<HttpRequest['claims']>().toEqualTypeOf<Record<string, unknown>>();
    expectTypeOf<HttpRequest['requestId']>().toBeString();
  });
});

describe('the route decorators check the method against the route schemas', async () => {
  const { api, get, post } = await import('@gantry/decorators');
  const NoteInput = z.object({ text: z.string() });
  const Other = z.object({ count: z.number() });

  it('accepts a method whose request type matches, or that takes no request', () => {
    @api('/notes')
    class Ok {
      @post('/', { body: NoteInput })
      static create(request: HttpRequest<{ body: typeof NoteInput }>) {
        return request.body.text;
      }

      @get('/')
      static list(request: HttpRequest) {
        return request.query;
      }

      @get('/count')
      static count() {
        return 1;
      }
    }
    expectTypeOf(Ok.create).parameter(0).toHaveProperty('body').toEqualTypeOf<{ text: string }>();
  });

  it('rejects a method whose request type says another body', () => {
    class Wrong {
      // @ts-expect-error: the route's body is NoteInput, the method expects Other
      @post('/', { body: NoteInput })
      static create(request: HttpRequest<{ body: typeof Other }>) {
        return request.body.count;
      }

      // @ts-expect-error: the method expects a validated body the route does not declare
      @post('/other')
      static other(request: HttpRequest<{ body: typeof Other }>) {
        return request.body.count;
      }
    }
    expect(typeof Wrong).toBe('function');
  });
});
