/**
 * Loads a user script in any of the forms users write:
 * - a plain body (no `module.exports`): the text is the body of
 *   `async (connect, logger, axios, connectMany) => { … }`, so top-level `await` works (the earlier tool's form);
 * - CommonJS: `module.exports = async (connect, logger, axios) => { … }`;
 * - ES module: `export default async (connect) => { … }` (`.mjs` is imported natively);
 * - TypeScript (`.ts`, `.mts`, `.cts`) in any of those forms, transpiled in-process with esbuild.
 *
 * Scripts run in sloppy mode with `require`, `process`, `console` and timers, like a test file.
 * Errors are reported as one line with the script's file:line.
 * @module
 */
import fs from 'node:fs';
import Module, { SourceMap, createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';

/** The function a script exports (or is). */
export type ScriptFunction = (...args: unknown[]) => unknown;

/** A script ready to run. */
export interface LoadedScript {
  /** Absolute path (or `stdin.js` for piped scripts). */
  filename: string;
  /** The script's entry function. */
  fn: ScriptFunction;
}

/** Parameter names of the plain-body form, in order. */
export const BODY_PARAMS = ['connect', 'logger', 'axios', 'connectMany'] as const;

// Source maps of transpiled scripts, to report TypeScript line numbers.
const sourceMaps = new Map<string, SourceMap>();

const ESM_SYNTAX = /^\s*(import\s+[\w*{]|import\s*['"]|export\s+(default|const|let|var|async|function|class|\{))/m;
const TS_EXT = /\.(ts|mts|cts)$/;

async function transpile(text: string, filename: string, format: 'cjs' | undefined): Promise<string> {
  const esbuild = await import('esbuild');
  const out = await esbuild.transform(text, { loader: 'ts', format, sourcemap: 'external', sourcefile: filename, target: 'node20' });
  sourceMaps.set(filename, new SourceMap(JSON.parse(out.map)));
  return out.code;
}


/**
 * Compile text as the body of an async function with the given parameters (the web console's
 * `async (connect, cp) => {…}`), with `require`, `module`, `exports`, `__filename` and
 * `__dirname` as in a plain-body script. `prologue` and `epilogue` go on the first and last
 * line, so reported positions need no offset. Throws a SyntaxError naming `filename:line`.
 * @param text The body.
 * @param filename Name shown in errors and stacks (e.g. `console.js`).
 * @param params Parameter names, in the order the function is called with.
 * @param wrap Code around the body, e.g. to copy a parameter back when the body assigns it.
 */
export function compileBody(text: string, filename: string, params: readonly string[], wrap: { prologue?: string; epilogue?: string } = {}): ScriptFunction {
  const head = `(async function (${params.join(', ')}, require, module, exports, __filename, __dirname) {${wrap.prologue ?? ''}`;
  // The column offset takes the head back out of first-line positions (`console.js:1:7`, not `:1:131`).
  let script: vm.Script;
  try {
    script = new vm.Script(`${head}${text}\n${wrap.epilogue ?? ''}})`, { filename, columnOffset: -head.length });
  } catch (err) {
    throw syntaxErrorColumn(err, filename, head.length);
  }
  const fn = script.runInThisContext() as ScriptFunction;
  const req = createRequire(path.resolve(filename));
  const mod = { exports: {} };
  return (...args: unknown[]) => fn(...args.slice(0, params.length), req, mod, mod.exports, filename, path.dirname(path.resolve(filename)));
}

/**
 * A SyntaxError's stack names `file:line` only, above the source line and a caret under the
 * fault; the caret counts the head on line 1 (columnOffset moves positions, not that display).
 * Put the column into the first line, head taken out: `console.js:1:14`.
 */
function syntaxErrorColumn(err: unknown, filename: string, headLength: number): unknown {
  if (!(err instanceof SyntaxError) || err.stack === undefined || !err.stack.startsWith(`${filename}:`)) return err;
  const m = /^[^\n]*:(\d+)\n[^\n]*\n( *)\^/.exec(err.stack);
  if (!m) return err;
  const line = Number(m[1]);
  const column = m[2]!.length + 1 - (line === 1 ? headLength : 0);
  err.stack = `${filename}:${line}:${column}${err.stack.slice(err.stack.indexOf('\n'))}`;
  return err;
}

function compileCommonJs(text: string, filename: string): ScriptFunction {
  const mod = new Module(filename) as Module & { _compile(code: string, file: string): void };
  mod.filename = filename;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(filename));
  try {
    mod._compile(text, filename);
  } catch (err) {
    throw syntaxErrorColumn(err, filename, 0);
  }
  return entryOf(mod.exports, filename);
}

function entryOf(exports: unknown, filename: string): ScriptFunction {
  const candidate = typeof exports === 'function' ? exports : (exports as { default?: unknown } | undefined)?.default;
  if (typeof candidate !== 'function') throw new Error(`${filename} exports no function: export an async function (connect) => { … }`);
  return candidate as ScriptFunction;
}

/**
 * Load a script from a file or from text.
 * @param source `{file}` for a path (relative to the working directory or absolute), `{text}` for stdin.
 */
export async function loadScript(source: { file: string } | { text: string; filename?: string }): Promise<LoadedScript> {
  let filename: string;
  let text: string;
  if ('file' in source) {
    filename = path.resolve(source.file);
    try {
      text = fs.readFileSync(filename, 'utf8');
    } catch (err) {
      throw new Error(`cannot read script ${source.file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
    }
    if (filename.endsWith('.mjs')) {
      return { filename, fn: entryOf(await import(pathToFileURL(filename).href), filename) };
    }
  } else {
    filename = path.resolve(source.filename ?? 'stdin.js');
    text = source.text;
  }
  text = text.replace(/^#!.*/, ''); // a shebang line stays a comment-free first line
  const esm = ESM_SYNTAX.test(text);
  if (TS_EXT.test(filename)) text = await transpile(text, filename, esm || text.includes('module.exports') ? 'cjs' : undefined);
  else if (esm) text = await transpile(text, filename, 'cjs');
  if (esm || text.includes('module.exports')) return { filename, fn: compileCommonJs(text, filename) };
  return { filename, fn: compileBody(text, filename, BODY_PARAMS) };
}

/** Map a position in a transpiled script back to its source. */
function originalPosition(file: string, line: number, column: number): { line: number; column: number } {
  const map = sourceMaps.get(file);
  const entry = map?.findEntry(line - 1, column - 1) as { originalLine?: number; originalColumn?: number } | undefined;
  return entry?.originalLine !== undefined ? { line: entry.originalLine + 1, column: (entry.originalColumn ?? 0) + 1 } : { line, column };
}

/**
 * One readable line for an error, pointing into the script when the stack passes through it:
 * `custom.js:12:5: TypeError: cp.sendFoo is not a function`.
 * @param err The error.
 * @param scriptFile The script's absolute path.
 */
export function describeScriptError(err: unknown, scriptFile: string): string {
  const e = err instanceof Error ? err : new Error(String(err));
  const shown = path.relative(process.cwd(), scriptFile) || scriptFile;
  const stack = e.stack ?? '';
  const escaped = scriptFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // Syntax errors start with "file:line"; runtime errors have "at … (file:line:col)".
  const m = new RegExp(`${escaped}:(\\d+)(?::(\\d+))?`).exec(stack);
  const summary = `${e.name}: ${e.message.split('\n')[0]}`;
  if (!m) return e.name === 'Error' ? e.message.split('\n')[0]! : summary;
  const pos = originalPosition(scriptFile, Number(m[1]), Number(m[2] ?? 1));
  return `${shown}:${pos.line}${m[2] ? `:${pos.column}` : ''}: ${summary}`;
}
