/** Where each handler method is served: class name → method name → the route. */
export type RouteTable = Record<string, Record<string, ClientRoute>>;

export interface ClientRoute {
  /** `GET`, `POST`, ..., or `ANY`. */
  method: string;
  /** The route's path with its parameters, e.g. `/lists/{listId}/tasks`. */
  path: string;
}

/** The part of the Manifest (`sls gantry routes --json`) a client reads. */
export interface ManifestRoutes {
  functions: readonly {
    class: string;
    method: string;
    routes: readonly { method: string; path: string }[];
  }[];
}

/**
 * The route table of a service, from its Manifest: the first route of each decorated method (a
 * method with several routes is one function; any of them reaches it).
 *
 * @example
 * // npx sls gantry routes --json > src/web/manifest.json   (at build time, never by hand)
 * const routes = routesFromManifest(manifest);
 */
export function routesFromManifest(manifest: ManifestRoutes): RouteTable {
  const table: RouteTable = {};
  for (const fn of manifest.functions) {
    const route = fn.routes[0];
    if (!route) continue;
    const methods = table[fn.class] ?? {};
    methods[fn.method] = { method: route.method, path: route.path };
    table[fn.class] = methods;
  }
  return table;
}
