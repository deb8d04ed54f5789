// Types for the modules Gantry's page plugin provides (src/page/page-bundle-plugin.ts). Reference it
// from the module that imports a page: `/// <reference types="serverless-gantry/page-module" />`.

/** `gantry-page:<path to a TypeScript module>`: that module's browser bundle (minified ESM), as text. */
declare module 'gantry-page:*' {
  const script: string;
  export default script;
}

/** The service's routes from its Manifest, for `routesFromManifest` of `@gantry/client`. */
declare module 'gantry:routes' {
  const manifest: {
    functions: { class: string; method: string; routes: { method: string; path: string }[] }[];
  };
  export default manifest;
}
