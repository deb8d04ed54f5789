import type {
  Access,
  AuthRequirement,
  CorsOptions,
  FunctionOptions,
  HttpMethod,
  IndexDefinition,
  KeyAttribute,
  StreamView,
} from '@gantry/decorators';

/**
 * The one data model of a service, derived from its decorators. Everything downstream (functions,
 * IAM, tables, route table, local runs) is generated from it. Printed by `sls gantry routes --json`:
 * a public interface, so change it only by adding fields.
 */
export interface Manifest {
  service: string;
  stage: string;
  functions: ManifestFunction[];
  tables: ManifestTable[];
}

export interface ManifestFunction {
  /** The function's key in the service's `functions`. */
  name: string;
  class: string;
  /** The name the module exports the class under (usually the class name). */
  export: string;
  method: string;
  /** The module that exports the class, relative to the service directory. */
  source: string;
  routes: ManifestRoute[];
  /** One entry per table, access levels of repeated `uses` combined. */
  uses: ManifestUse[];
  config: Omit<FunctionOptions, 'name'>;
  schemas: { body?: ManifestSchema; query?: ManifestSchema; params?: ManifestSchema };
  /** CORS options of the class, when it has any. */
  cors?: CorsOptions;
}

export interface ManifestRoute {
  method: HttpMethod;
  /** Full path: the class prefix and the method's path. */
  path: string;
  /** Path parameter names in order; a greedy `{proxy+}` gives `proxy`. */
  pathParameters: string[];
  auth?: AuthRequirement;
}

export interface ManifestUse {
  /** The table's declared name. */
  table: string;
  access: Access;
}

export interface ManifestSchema {
  vendor: string;
  /** JSON Schema of the input, when the library exposes one (Standard JSON Schema). */
  jsonSchema?: Record<string, unknown>;
}

export interface ManifestTable {
  /** The declared name, as in `table('notes', ...)`. */
  name: string;
  /** The deployed name for this stage: `<service>-<stage>-<name>`. */
  tableName: string;
  /** The environment variable that carries `tableName` to functions. */
  envVar: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  indexes: ManifestIndex[];
  ttl?: string;
  stream?: StreamView;
  /** The first module, relative to the service directory, that exports or uses it. */
  source: string;
}

export interface ManifestIndex extends IndexDefinition {
  name: string;
}
