import type { HttpRequest } from '@gantry/middy';
import * as v from 'valibot';
import { describe, expectTypeOf, it } from 'vitest';
import type { Task, TaskPage, TaskSchema, TasksApi } from '../../../templates/tasks-app/src/tasks.js';
import type { Web } from '../../../templates/tasks-app/src/web.js';
import { type ApiResult, createClient, type ErrorResponseBody } from '../src/index.js';

// The tasks-app template's handler classes, as a page would use them: their types only.
const api = createClient<{ TasksApi: typeof TasksApi; Web: typeof Web }>({ baseUrl: '', routes: {} });
const listId = 'groceries-2026';
const id = '0b6f2d1e-7c1a-4e4b-9a53-3f1f0c1d2e3f';

describe('a client typed from the tasks-app handlers', () => {
  it('takes the body its schema declares, and nothing else', () => {
    expectTypeOf(api.TasksApi.create).toBeCallableWith({ params: { listId }, body: { title: 'Milk' } });
    // @ts-expect-error a title is a string
    api.TasksApi.create({ params: { listId }, body: { title: 1 } });
    // @ts-expect-error the route has a body schema: the body is required
    api.TasksApi.create({ params: { listId } });
    // @ts-expect-error NewTask is a strict object: no other keys
    api.TasksApi.create({ params: { listId }, body: { title: 'Milk', done: true } });
    // @ts-expect-error TaskChanges needs the version the client saw
    api.TasksApi.update({ params: { id }, body: { done: true } });
  });

  it('takes the path parameters its route declares', () => {
    expectTypeOf(api.TasksApi.read).toBeCallableWith({ params: { id } });
    // @ts-expect-error the parameter is `id`, not `taskId`
    api.TasksApi.read({ params: { taskId: id } });
    // @ts-expect-error the path parameters are required
    api.TasksApi.read({});
    // @ts-expect-error a list's tasks need its listId
    api.TasksApi.list({ params: {} });
  });

  it('takes the query its schema declares, optional where every field is', () => {
    expectTypeOf(api.TasksApi.list).toBeCallableWith({ params: { listId } });
    expectTypeOf(api.TasksApi.list).toBeCallableWith({ params: { listId }, query: { limit: 10, cursor: 'abc' } });
    // A query value travels as text: a field read as text also takes a number, sent as its digits.
    expectTypeOf(api.TasksApi.list).toBeCallableWith({ params: { listId }, query: { limit: '10' } });
    expectTypeOf(api.TasksApi.remove).toBeCallableWith({ params: { id }, query: { version: 3 } });
    // @ts-expect-error a cursor is text, not an object
    api.TasksApi.list({ params: { listId }, query: { cursor: { page: 2 } } });
    // @ts-expect-error deleting needs ?version=
    api.TasksApi.remove({ params: { id } });
  });

  it("resolves with the output type of the route's response schema, the schema the OpenAPI document shows", () => {
    // serverless-gantry's openapi.e2e.test.ts checks the document's side against the same schemas.
    expectTypeOf(api.TasksApi.read).returns.resolves.toEqualTypeOf<ApiResult<v.InferOutput<typeof TaskSchema>>>();
    expectTypeOf(api.TasksApi.list).returns.resolves.toEqualTypeOf<ApiResult<v.InferOutput<typeof TaskPage>>>();
  });

  it("resolves with the method's return type, or the kit's error shapes", () => {
    expectTypeOf(api.TasksApi.read).returns.resolves.toEqualTypeOf<ApiResult<Task>>();
    // created(task, location) keeps the task's type.
    expectTypeOf(api.TasksApi.create).returns.resolves.toEqualTypeOf<ApiResult<Task>>();
    expectTypeOf(api.TasksApi.remove).returns.resolves.toEqualTypeOf<ApiResult<undefined>>();
    expectTypeOf(api.Web.page).returns.resolves.toEqualTypeOf<ApiResult<string>>();
    type Listed = Extract<Awaited<ReturnType<typeof api.TasksApi.list>>, { ok: true }>['data'];
    expectTypeOf<Listed['items']>().toEqualTypeOf<Task[]>();
    type Failed = Extract<Awaited<ReturnType<typeof api.TasksApi.read>>, { ok: false }>['error'];
    expectTypeOf<Failed>().toEqualTypeOf<ErrorResponseBody>();
  });

  it('has no call for what is not a static method', () => {
    // @ts-expect-error `prototype` is not a route
    api.TasksApi.prototype;
  });
});

describe('query values that only some strings may take', () => {
  // A class of its own: the starters have no such field.
  class Search {
    static find(_request: HttpRequest<{ query: typeof SortQuery }>) {
      return [];
    }
  }
  const SortQuery = v.object({ order: v.picklist(['asc', 'desc']) });
  const search = createClient<{ Search: typeof Search }>({ baseUrl: '', routes: {} });

  it('takes only those strings, and no number', () => {
    expectTypeOf(search.Search.find).toBeCallableWith({ query: { order: 'asc' } });
    // @ts-expect-error not one of the picklist's values
    search.Search.find({ query: { order: 'up' } });
    // @ts-expect-error a number is widened only for fields read as any text
    search.Search.find({ query: { order: 1 } });
  });
});
