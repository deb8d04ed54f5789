export type { ErrorResponseBody, GatewayErrorBody, HttpErrorBody, InternalErrorBody, Issue } from '@gantry/middy';
export { type ClientOptions, createClient } from './create-client.js';
export { type ClientRoute, type ManifestRoutes, type RouteTable, routesFromManifest } from './route-table.js';
export type { ApiClient, ApiResult, ClassClient, ClientRequest, QueryValue, ResponseData } from './types.js';
