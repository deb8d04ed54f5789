import type { ManifestFunction } from './manifest.js';

/** A function with its routes: the manifest's, or any served route list (see `servedRoutes`). */
export interface Routed {
  routes: readonly { method: string; path: string }[];
}

export interface RouteMatch<F extends Routed = ManifestFunction> {
  fn: F;
  route: F['routes'][number];
  pathParameters: Record<string, string>;
}

type Segment = { literal: string } | { variable: string; greedy: boolean };

const parse = (path: string): Segment[] =>
  path
    .split('/')
    .filter(Boolean)
    .map((part) => {
      const variable = /^\{([^{}+]+)(\+?)\}$/.exec(part);
      return variable?.[1] ? { variable: variable[1], greedy: variable[2] === '+' } : { literal: part };
    });

/** Path parameters when `route` matches the request's segments, else undefined. */
function matchPath(route: Segment[], request: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < route.length; i++) {
    const segment = route[i] as Segment;
    if ('variable' in segment && segment.greedy) {
      // A greedy variable catches one or more child segments, never none (`/files/{proxy+}` ≠ `/files`).
      if (i >= request.length) return undefined;
      params[segment.variable] = request.slice(i).join('/');
      return params;
    }
    const part = request[i];
    if (part === undefined) return undefined;
    if ('literal' in segment) {
      if (segment.literal !== part) return undefined;
    } else params[segment.variable] = part;
  }
  return route.length === request.length ? params : undefined;
}

/** Higher is more specific: per segment, literal over variable over greedy; then a method over ANY. */
function specificity(route: Segment[], method: string): number[] {
  const rank = (s: Segment) => ('literal' in s ? 3 : s.greedy ? 1 : 2);
  return [...route.map(rank), method === 'ANY' ? 0 : 1];
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

const decode = (value: string) => {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
};

/** The route HTTP API would pick for a request: the most specific match, as its route selection does. */
export function matchRoute<F extends Routed>(
  service: { functions: readonly F[] },
  method: string,
  path: string,
): RouteMatch<F> | undefined {
  const request = path.split('/').filter(Boolean);
  let best: (RouteMatch<F> & { rank: number[] }) | undefined;
  for (const fn of service.functions) {
    for (const route of fn.routes) {
      if (route.method !== 'ANY' && route.method !== method.toUpperCase()) continue;
      const segments = parse(route.path);
      const params = matchPath(segments, request);
      if (!params) continue;
      const rank = specificity(segments, route.method);
      if (!best || compare(rank, best.rank) > 0) {
        const pathParameters = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, decode(v)]));
        best = { fn, route, pathParameters, rank };
      }
    }
  }
  if (!best) return undefined;
  const { rank: _rank, ...match } = best;
  return match;
}
