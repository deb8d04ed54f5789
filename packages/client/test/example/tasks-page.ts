// The README's example of a page using the client, compiled (tsc) and bundled (esbuild) by the tests.
import { createClient, type RouteTable } from '@gantry/client';
// Types only: the handler module, its table client and its schemas stay out of the page's bundle.
import type { Task, TasksApi } from '../../../../templates/tasks-app/src/tasks.js';

/** `accessToken`: the signed-in user's token (the task routes need one), from the page's sign-in. */
export function tasksPage(routes: RouteTable, baseUrl = '', accessToken: () => string | undefined = () => undefined) {
  const api = createClient<{ TasksApi: typeof TasksApi }>({
    baseUrl,
    routes,
    headers: (): Record<string, string> => {
      const token = accessToken();
      return token ? { authorization: `Bearer ${token}` } : {};
    },
  });

  /** Adds a task; the API's message (the first issue, for a validation error) when it refuses. */
  async function add(listId: string, title: string): Promise<Task | string> {
    const result = await api.TasksApi.create({ params: { listId }, body: { title } });
    if (result.ok) return result.data;
    const { error } = result;
    if ('message' in error) return error.message; // API Gateway's own answer
    if ('message' in error.error) return error.error.issues?.[0]?.message ?? error.error.message;
    return `Something went wrong (request ${error.error.requestId}).`;
  }

  async function titles(listId: string): Promise<string[]> {
    const result = await api.TasksApi.list({ params: { listId }, query: { limit: 50 } });
    return result.ok ? result.data.items.map((task) => task.title) : [];
  }

  return { add, titles };
}
