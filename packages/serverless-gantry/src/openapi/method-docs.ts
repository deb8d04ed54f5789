import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type { ManifestFunction } from '../manifest.js';

/** A handler method's TSDoc as OpenAPI uses it: the first paragraph, and the rest when there is more. */
export interface MethodDoc {
  summary: string;
  description?: string;
}

type TypeScript = typeof import('typescript');

/** The key of a function's doc in what `methodDocs` returns. */
export const methodDocKey = (fn: Pick<ManifestFunction, 'source' | 'class' | 'method'>) =>
  `${fn.source}#${fn.class}.${fn.method}`;

/**
 * The leading TSDoc of each function's method, read from its source with the TypeScript compiler's
 * parser (a syntax tree, no type checking: one file parsed per module, a few ms). The compiler is the
 * service's own (a Gantry service is written in TypeScript), so the plugin adds no parser of its own;
 * where none resolves, or a class is declared in another module than the one exporting it, the
 * method has no doc and the document falls back to a summary from its class and method names.
 */
export async function methodDocs(
  servicePath: string,
  functions: readonly Pick<ManifestFunction, 'source' | 'class' | 'method'>[],
): Promise<Map<string, MethodDoc>> {
  const docs = new Map<string, MethodDoc>();
  const ts = loadTypeScript(servicePath);
  if (!ts) return docs;
  const sources = new Map<string, Promise<import('typescript').SourceFile | undefined>>();
  for (const fn of functions) {
    let parsed = sources.get(fn.source);
    if (!parsed) {
      parsed = readFile(resolve(servicePath, fn.source), 'utf8').then(
        (text) => ts.createSourceFile(fn.source, text, ts.ScriptTarget.Latest, true),
        () => undefined,
      );
      sources.set(fn.source, parsed);
    }
    const file = await parsed;
    const doc = file && docOf(ts, file, fn.class, fn.method);
    if (doc) docs.set(methodDocKey(fn), doc);
  }
  return docs;
}

function loadTypeScript(servicePath: string): TypeScript | undefined {
  try {
    return createRequire(resolve(servicePath, 'package.json'))('typescript') as TypeScript;
  } catch {
    return undefined;
  }
}

function docOf(ts: TypeScript, file: import('typescript').SourceFile, className: string, method: string) {
  for (const statement of file.statements) {
    if (!ts.isClassDeclaration(statement) || statement.name?.text !== className) continue;
    for (const member of statement.members) {
      if (!ts.isMethodDeclaration(member) || !member.name || member.name.getText(file) !== method) continue;
      // The JSDoc block closest to the method (TypeScript attaches one written before its decorators).
      const block = ts.getJSDocCommentsAndTags(member).filter(ts.isJSDoc).at(-1);
      const text = block && ts.getTextOfJSDocComment(block.comment)?.trim();
      return text ? splitDoc(text) : undefined;
    }
  }
  return undefined;
}

/** The first paragraph on one line as the summary; the paragraphs after it as the description. */
function splitDoc(text: string): MethodDoc {
  const [first = '', ...rest] = text.split(/\n\s*\n/);
  const summary = first.replace(/\s+/g, ' ').trim();
  const description = rest.join('\n\n').trim();
  return description ? { summary, description } : { summary };
}
