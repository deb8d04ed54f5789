/**
 * What a bundle's loader reads to know which build to run: the newest build file, and the error
 * when the newest source does not build. Written beside the loader, replaced atomically.
 */
export interface BuildState {
  /** The build file (beside the loader) that runs, e.g. `notes-api-get.build-3.js`. */
  file: string;
  /** Set while the bundle's sources do not build: one line, `file:line:column: message`. */
  error?: string;
}

/** One handler the loader exports: its property path in the module, and whether HTTP events invoke it. */
export interface LoaderExport {
  /** `handler`, or `nested.handler` as a list: the part of the function's `handler` after the module. */
  path: string[];
  /** An HTTP event (API Gateway, ALB, WebSocket) invokes it: a build error is answered as a response. */
  http: boolean;
}

/** The code `does_not_build` HTTP answers carry, in the kit's error body. */
export const DOES_NOT_BUILD = 'does_not_build';

/**
 * The CommonJS module written where serverless-offline loads a function's bundle under `sls offline`.
 * It runs the newest good build named by the state file (`state`, beside it), loading a new build
 * when an invocation starts: serverless-offline gives a worker one invocation at a time, so nothing
 * is in flight on that thread then, and an invocation in flight on another worker finishes on the
 * code it started with. Loading a build is a new module instance (a cold start on the new code);
 * the listeners the previous build added to `process` (the kit's local guards) are removed, and the
 * previous build's module is dropped from `require.cache`, so memory stays flat over many saves.
 * While the state has an error, an HTTP invocation answers 500 with the error (local runs only) and
 * any other invocation fails with it.
 */
export function loaderSource(state: string, exports: readonly LoaderExport[]): string {
  const tree = exportTree(exports);
  return `"use strict";
// Written by serverless-gantry for sls offline; do not edit. serverless-offline loads this file as the
// function's module: it runs the newest good build named in ${state} (docs/architecture.md, "Reload").
const { readFileSync } = require("node:fs");
const { join } = require("node:path");
const STATE = join(__dirname, ${JSON.stringify(state)});
let text;
let state;
let loaded;

function current() {
  const next = readFileSync(STATE, "utf8");
  if (next !== text) {
    state = JSON.parse(next);
    text = next;
  }
  if (state.error !== undefined) return undefined;
  if (loaded === undefined || loaded.file !== state.file) loaded = load(state.file, loaded);
  return loaded.exports;
}

function processListeners() {
  return process.eventNames().flatMap((event) => process.listeners(event).map((listener) => [event, listener]));
}

function load(file, previous) {
  const path = join(__dirname, file);
  const before = processListeners();
  const exports = require(path);
  const added = processListeners().filter(([event, listener]) => !before.some(([e, l]) => e === event && l === listener));
  if (previous !== undefined) {
    for (const [event, listener] of previous.added) process.removeListener(event, listener);
    const old = require.cache[previous.path];
    delete require.cache[previous.path];
    const at = module.children.indexOf(old);
    if (at >= 0) module.children.splice(at, 1);
  }
  return { file, path, exports, added };
}

function doesNotBuild(http, context) {
  const message = "sls offline: this function's code does not build (" + state.error + "); the terminal shows the error. The other functions keep serving.";
  if (!http) {
    const error = new Error(message);
    error.name = "GantryBuildError";
    return Promise.reject(error);
  }
  return Promise.resolve({
    statusCode: 500,
    headers: { "content-type": "application/json; charset=utf-8" },
    body: JSON.stringify({ error: { code: ${JSON.stringify(DOES_NOT_BUILD)}, message, requestId: (context && context.awsRequestId) || "" } }),
  });
}

function handlerOf(path, http) {
  const handler = function (event, context, callback) {
    const exports = current();
    if (exports === undefined) return doesNotBuild(http, context);
    return path.reduce((value, key) => value && value[key], exports)(event, context, callback);
  };
  // Markers the runtime reads off the handler (response streaming) come from the build it loads first.
  const first = current();
  const real = first && path.reduce((value, key) => value && value[key], first);
  if (typeof real === "function") for (const symbol of Object.getOwnPropertySymbols(real)) handler[symbol] = real[symbol];
  return handler;
}

${Object.entries(tree)
  .map(([name, value]) => `exports[${JSON.stringify(name)}] = ${treeSource(value, [name])};`)
  .join('\n')}
`;
}

/** The state file's text for a build, and for a source that does not build. */
export function buildStateText(state: BuildState): string {
  return `${JSON.stringify(state)}\n`;
}

type ExportTree = { [key: string]: ExportTree | boolean };

// Handlers as nested objects: `a.b` is exports.a.b. A leaf holds whether HTTP invokes it.
function exportTree(exports: readonly LoaderExport[]): ExportTree {
  const tree: ExportTree = {};
  for (const { path, http } of exports) {
    let node = tree;
    path.forEach((key, i) => {
      if (i === path.length - 1) {
        node[key] = node[key] === true || http;
        return;
      }
      const next = node[key];
      const child: ExportTree = typeof next === 'object' ? next : {};
      node[key] = child;
      node = child;
    });
  }
  return tree;
}

function treeSource(node: ExportTree | boolean, path: string[]): string {
  if (typeof node === 'boolean') return `handlerOf(${JSON.stringify(path)}, ${node})`;
  const fields = Object.entries(node).map(
    ([key, value]) => `${JSON.stringify(key)}: ${treeSource(value, [...path, key])}`,
  );
  return `{ ${fields.join(', ')} }`;
}
