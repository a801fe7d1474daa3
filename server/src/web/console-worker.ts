/**
 * The console thread (a worker started by console-session.ts): compiles and runs console scripts
 * as the body of `async (connect, cp) => {…}`, where `cp` and `connect` are proxies of the
 * server's objects (see console-wire.ts). Property reads, writes and calls on a proxy are
 * synchronous requests: the thread waits on a shared flag until the server has put the answer
 * on the reply port, so `cp.id`, `cp.station.connectors` and `cp.sendResponse(…)` behave as in
 * the server; a method that returns a Promise there returns one here.
 * @module
 */
import { format, inspect } from 'node:util';
import { isMainThread, parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { compileBody, describeScriptError } from '../runtime/script';
import { TAG, decode, encode, errorData, rebuildError, type ConsoleWorkerData, type FromConsole, type SyncOp, type SyncReply, type Tagged, type ToConsole } from './console-wire';

/** The file name errors point at: `console.js:LINE:COL: …`. */
export const CONSOLE_FILE = 'console.js';

/** A proxy received this many times, as the server counts them (so a release never drops one sent since). */
interface Held {
  ref: WeakRef<object>;
  count: number;
  id: number;
}

function startThread(data: ConsoleWorkerData, port: MessagePort): void {
  const flag = new Int32Array(data.flag);
  const post = (m: FromConsole): void => port.postMessage(m);
  const held = new Map<number, Held>();
  const idOfProxy = new WeakMap<object, number>();
  const released = new FinalizationRegistry<Held>((h) => {
    if (held.get(h.id) === h) held.delete(h.id);
    post({ t: 'release', id: h.id, count: h.count });
  });
  const callbacks = new Map<number, (...args: unknown[]) => unknown>();
  const callbackIds = new Map<(...args: unknown[]) => unknown, number>();
  const promises = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void; site: Error }>();
  let nextId = 1;
  /** Where the script made the call whose Promise is being decoded: its rejection points there (formatted only then). */
  let callSite = new Error();

  const toServer = (value: unknown): unknown =>
    encode(value, (v): Tagged | undefined => {
      const id = idOfProxy.get(v);
      if (id !== undefined) return { [TAG]: 'ref', id, fn: typeof v === 'function' };
      if (typeof v === 'function') {
        const fn = v as (...args: unknown[]) => unknown;
        let cb = callbackIds.get(fn);
        if (cb === undefined) {
          cb = nextId++;
          callbackIds.set(fn, cb);
          callbacks.set(cb, fn);
        }
        return { [TAG]: 'callback', id: cb };
      }
      if (v instanceof Error) return { [TAG]: 'error', error: errorData(v) };
      if (typeof (v as { then?: unknown }).then === 'function') throw new TypeError('a Promise cannot be passed to the server: await it first');
      return undefined;
    });

  const fromServer = (value: unknown): unknown =>
    decode(value, (t) => {
      switch (t[TAG]) {
        case 'ref':
          return proxyOf(t.id, t.fn);
        case 'error':
          return rebuildError(t.error);
        case 'promise':
          return new Promise((resolve, reject) => promises.set(t.id, { resolve, reject, site: callSite }));
        default:
          throw new TypeError('unexpected value from the server');
      }
    });

  /** A request the server answers before this thread goes on. */
  const sync = (op: SyncOp): unknown => {
    Atomics.store(flag, 0, 0);
    try {
      post({ t: 'sync', op });
    } catch (err) {
      throw new TypeError(`cannot pass that to the server: ${(err as Error).message}`);
    }
    Atomics.wait(flag, 0, 0);
    const reply = receiveMessageOnPort(data.replies)!.message as SyncReply;
    if (!reply.ok) throw rebuildError(reply.error);
    return fromServer(reply.value);
  };

  const proxyOf = (id: number, fn: boolean): object => {
    const known = held.get(id);
    const alive = known?.ref.deref();
    if (known && alive) {
      known.count++;
      return alive;
    }
    // The target only carries what util.inspect reads from it directly (it looks past proxies).
    const target: object = fn ? function remote(): void {} : {};
    Object.defineProperty(target, inspect.custom, { value: (depth: number) => sync({ op: 'inspect', id, depth: Math.min(Math.max(0, depth), 4) }), configurable: true });
    const proxy = new Proxy(target, {
      get: (t, key) => {
        if (typeof key === 'symbol') return Reflect.get(t, key);
        if (key === 'then') return undefined; // never a thenable: `await cp` gives cp
        if (key === 'toJSON') return () => sync({ op: 'json', id });
        return sync({ op: 'get', id, key });
      },
      set: (t, key, value) => (typeof key === 'symbol' ? Reflect.set(t, key, value) : Boolean(sync({ op: 'set', id, key, value: toServer(value) }))),
      has: (t, key) => (typeof key === 'symbol' ? Reflect.has(t, key) : Boolean(sync({ op: 'has', id, key }))),
      deleteProperty: (t, key) => (typeof key === 'symbol' ? Reflect.deleteProperty(t, key) : Boolean(sync({ op: 'delete', id, key }))),
      apply: (_t, self, args: unknown[]) => {
        const site = new Error();
        const op: SyncOp = { op: 'apply', id, self: toServer(self), args: args.map(toServer) };
        callSite = site;
        return sync(op);
      },
      ...(fn
        ? {}
        : {
            ownKeys: () => sync({ op: 'keys', id }) as string[],
            getOwnPropertyDescriptor: (t: object, key: string | symbol) => {
              if (typeof key === 'symbol') return Reflect.getOwnPropertyDescriptor(t, key);
              const own = sync({ op: 'own', id, key }) as { value: unknown } | undefined;
              return own && { value: own.value, writable: true, enumerable: true, configurable: true };
            },
          }),
    });
    const h: Held = { ref: new WeakRef(proxy), count: 1, id };
    held.set(id, h);
    idOfProxy.set(proxy, id);
    released.register(proxy, h);
    return proxy;
  };

  const say = (level: 'info' | 'warning' | 'error') => (...args: unknown[]): void => post({ t: 'log', level, line: format(...args) });
  const scriptConsole = { log: say('info'), info: say('info'), debug: say('info'), warn: say('warning'), error: say('error') };
  const report = (err: unknown): void => post({ t: 'log', level: 'error', line: describeScriptError(err, CONSOLE_FILE) });
  // A stray rejection or a throwing timer of one script is reported, and the thread goes on.
  process.on('uncaughtException', report);
  process.on('unhandledRejection', report);

  const run = async (m: Extract<ToConsole, { t: 'run' }>): Promise<void> => {
    const box = { cp: fromServer(m.cp) };
    let end: { result?: unknown; error?: string };
    try {
      // `cp` is a local copied back to the box at the end, so `cp = await connect(…)` is seen.
      const fn = compileBody(m.code, CONSOLE_FILE, ['connect', '__box', 'console'], { prologue: 'let cp = __box.cp; try {', epilogue: '} finally { __box.cp = cp; }' });
      end = { result: jsonSafe(await fn(fromServer(m.connect), box, scriptConsole)) };
    } catch (err) {
      end = { error: describeScriptError(err, CONSOLE_FILE) };
    }
    let cp: unknown;
    try {
      cp = toServer(box.cp);
    } catch {
      cp = undefined;
    }
    post({ t: 'done', run: m.run, ...end, cp });
  };

  const invoke = (m: Extract<ToConsole, { t: 'invoke' }>): void => {
    const reply = (r: SyncReply): void => {
      try {
        post({ t: 'return', call: m.call, reply: r });
      } catch (err) {
        post({ t: 'return', call: m.call, reply: { ok: false, error: errorData(err, `cannot pass that to the server: ${(err as Error).message}`) } });
      }
    };
    Promise.resolve()
      .then(() => callbacks.get(m.callback)!(...(fromServer(m.args) as unknown[])))
      .then(
        (value) => reply({ ok: true, value: toServer(value) }),
        (err: unknown) => reply({ ok: false, error: errorData(err, describeScriptError(err, CONSOLE_FILE)) }),
      );
  };

  port.on('message', (m: ToConsole) => {
    switch (m.t) {
      case 'run':
        return void run(m);
      case 'invoke':
        return invoke(m);
      case 'settle': {
        const p = promises.get(m.promise);
        promises.delete(m.promise);
        if (!p) return;
        // The stack from where the script called, without the proxy's own frame.
        if (!m.reply.ok) return p.reject(rebuildError(m.reply.error, p.site.stack?.split('\n').slice(2).join('\n')));
        try {
          p.resolve(fromServer(m.reply.value));
        } catch (err) {
          p.reject(err);
        }
        return;
      }
    }
  });
}

/** The script's return value as JSON (a proxy turns into the server object's JSON). */
function jsonSafe(value: unknown): unknown {
  if (value === undefined) return undefined;
  try {
    const text = JSON.stringify(value);
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return String(value);
  }
}

if (!isMainThread && (workerData as ConsoleWorkerData | undefined)?.kind === 'ocpp-sim-console') startThread(workerData as ConsoleWorkerData, parentPort! as unknown as MessagePort);
