/**
 * The messages between the server and a console thread (see console-session.ts and
 * console-worker.ts), and how values cross between them.
 *
 * Data crosses by value (structured clone). What cannot be copied crosses by reference: an object
 * or function of the server becomes a proxy in the thread whose property reads, writes and calls
 * are synchronous requests to the server; a function of the thread (a handler) becomes a stub in
 * the server that calls it by message and returns a Promise of its result; a Promise of the server
 * becomes a Promise in the thread, settled by message.
 * @module
 */

import type { MessagePort } from 'node:worker_threads';

/** Key of a tagged value (a reference, a promise, an error) inside copied data. */
export const TAG = '@@ocpp-sim';

/** What an error keeps when it crosses. */
export interface ErrorData {
  /** `TypeError`, `OcppCallError`, … */
  name: string;
  /** One line (from a script: `console.js:LINE:COL: …`). */
  message: string;
  /** OCPP error code, errno code, … */
  code?: unknown;
  /** OCPP error description. */
  description?: unknown;
  /** OCPP error details. */
  details?: unknown;
}

/** A value that is not copied. */
export type Tagged =
  | { [TAG]: 'ref'; id: number; fn: boolean }
  | { [TAG]: 'promise'; id: number }
  | { [TAG]: 'callback'; id: number }
  | { [TAG]: 'error'; error: ErrorData };

/** A synchronous request of the thread about a server object (`id`), answered on the reply port. */
export type SyncOp =
  | { op: 'get'; id: number; key: string }
  | { op: 'own'; id: number; key: string }
  | { op: 'set'; id: number; key: string; value: unknown }
  | { op: 'delete'; id: number; key: string }
  | { op: 'has'; id: number; key: string }
  | { op: 'keys'; id: number }
  | { op: 'apply'; id: number; self: unknown; args: unknown[] }
  | { op: 'json'; id: number }
  | { op: 'inspect'; id: number; depth: number };

/** The answer to a {@link SyncOp}. */
export type SyncReply = { ok: true; value: unknown } | { ok: false; error: ErrorData };

/** Thread → server, all on one port (so a `console.log` and a `cp.log` after it arrive in order). */
export type FromConsole =
  | { t: 'sync'; op: SyncOp }
  | { t: 'log'; level: 'info' | 'warning' | 'error'; line: string }
  | { t: 'done'; run: number; result?: unknown; error?: string; cp: unknown }
  | { t: 'return'; call: number; reply: SyncReply }
  | { t: 'release'; id: number; count: number };

/** Server → thread. */
export type ToConsole =
  | { t: 'run'; run: number; code: string; cp: unknown; connect: unknown }
  | { t: 'settle'; promise: number; reply: SyncReply }
  | { t: 'invoke'; call: number; callback: number; args: unknown[] };

/** What the thread is started with. */
export interface ConsoleWorkerData {
  /** Marks a console thread. */
  kind: 'ocpp-sim-console';
  /** One Int32: 0 while a synchronous request waits, 1 once its reply is on `replies`. */
  flag: SharedArrayBuffer;
  /** The port replies to synchronous requests arrive on (never listened to: read with `receiveMessageOnPort`). */
  replies: MessagePort;
}

/** Arrays and objects of `Object.prototype` (or none): data, copied. */
export function isPlain(v: object): boolean {
  if (Array.isArray(v)) return true;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Values structured clone copies as they are. */
function isCloneLeaf(v: object): boolean {
  return v instanceof Date || v instanceof RegExp || v instanceof ArrayBuffer || ArrayBuffer.isView(v);
}

/**
 * Copy a value for the other side: `special` decides about every object and function first (a
 * reference, a callback, an error); arrays and other objects are copied member by member.
 * @param value The value.
 * @param special Tags what must not be copied; undefined copies.
 */
export function encode(value: unknown, special: (v: object) => Tagged | undefined, seen = new Set<object>()): unknown {
  if (typeof value === 'symbol') return String(value);
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return value;
  if (isCloneLeaf(value)) return value;
  const tagged = special(value);
  if (tagged) return tagged;
  if (value instanceof Map || value instanceof Set) return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((x) => encode(x, special, seen));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(value)) out[k] = encode(x, special, seen);
    return out;
  } finally {
    seen.delete(value);
  }
}

/**
 * Rebuild a value from the other side: tagged values go to `revive`.
 * @param value As received.
 * @param revive Makes the proxy, stub, promise or error of a tagged value.
 */
export function decode(value: unknown, revive: (t: Tagged) => unknown): unknown {
  if (value === null || typeof value !== 'object' || isCloneLeaf(value) || value instanceof Map || value instanceof Set) return value;
  if (Array.isArray(value)) return value.map((x) => decode(x, revive));
  if (TAG in value) return revive(value as Tagged);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(value)) out[k] = decode(x, revive);
  return out;
}

/**
 * What an error keeps when it crosses.
 * @param err Anything thrown.
 * @param message The line to show (default: the error's own first line).
 */
export function errorData(err: unknown, message?: string): ErrorData {
  const e: Error & { code?: unknown; description?: unknown; details?: unknown } = err instanceof Error ? err : new Error(String(err));
  const data: ErrorData = { name: e.name, message: message ?? e.message.split('\n')[0]! };
  if (e.code !== undefined) data.code = e.code;
  if (e.description !== undefined) data.description = e.description;
  if (e.details !== undefined) data.details = e.details;
  try {
    structuredClone(data);
  } catch {
    delete data.details;
  }
  return data;
}

/**
 * An Error on this side from its data.
 * @param data As received.
 * @param stack The stack to give it (e.g. where the script made the call), without its first line.
 */
export function rebuildError(data: ErrorData, stack?: string): Error {
  const err = Object.assign(new Error(data.message), data.code !== undefined ? { code: data.code } : {}, data.description !== undefined ? { description: data.description } : {}, data.details !== undefined ? { details: data.details } : {});
  err.name = data.name;
  if (stack !== undefined) err.stack = `${data.name}: ${data.message}\n${stack}`;
  return err;
}
