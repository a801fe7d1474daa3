/**
 * One console thread: a worker that runs the console scripts of one charge-point card, and the
 * server's side of its boundary (see console-wire.ts). A script that never yields (`while
 * (true) {}`) blocks only its thread; the server answers on, and {@link ConsoleSession.stop}
 * ends the thread at once.
 * @module
 */
import path from 'node:path';
import { inspect } from 'node:util';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { Chargepoint } from '../chargepoint/chargepoint';
import type { LogRecord } from './registry';
import { TAG, decode, encode, errorData, isPlain, rebuildError, type ConsoleWorkerData, type FromConsole, type SyncOp, type SyncReply, type Tagged, type ToConsole } from './console-wire';

/** A console thread's heap: a script that allocates without end is stopped, not the server. */
const HEAP_MB = 256;

/** How a run ended. */
export interface RunEnd {
  /** The script's return value, as JSON. */
  result?: unknown;
  /** One line, `console.js:LINE:COL: …`, or why the thread was stopped. */
  error?: string;
  /** The thread was stopped (time limit, out of memory, `process.exit`). */
  stopped?: boolean;
  /** What `cp` was at the end (the script may assign it). */
  cp?: unknown;
}

type Settle = { resolve: (v: unknown) => void; reject: (e: unknown) => void };

/** A JSON copy of a server object; a charge point shows as `Chargepoint <id>` (its state has cycles). */
function jsonOf(value: unknown): unknown {
  const named = (_key: string, x: unknown): unknown => (x instanceof Chargepoint ? `Chargepoint ${x.id}` : x);
  try {
    const text = JSON.stringify(value, named);
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return String(value);
  }
}

/** A console thread and the table of what it holds of the server (objects, handlers, promises). */
export class ConsoleSession {
  private readonly worker: Worker;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private readonly replies: MessagePort;
  /** Server objects the thread has proxies of, with how often each was sent (see the `release` message). */
  private readonly objects = new Map<number, { value: unknown; count: number }>();
  private readonly idOf = new Map<unknown, number>();
  private readonly stubs = new Map<number, (...args: unknown[]) => Promise<unknown>>();
  private readonly calls = new Map<number, Settle>();
  private readonly runs = new Map<number, (end: RunEnd) => void>();
  private nextId = 1;
  private endedWith: string | undefined;

  /** @param onLog Receives the scripts' `console.*` lines and the thread's own warnings. */
  constructor(private readonly onLog: (level: LogRecord['level'], line: string) => void) {
    const { port1, port2 } = new MessageChannel();
    this.replies = port1;
    this.worker = new Worker(path.join(__dirname, 'console-worker.js'), {
      workerData: { kind: 'ocpp-sim-console', flag: this.flag.buffer as SharedArrayBuffer, replies: port2 } satisfies ConsoleWorkerData,
      transferList: [port2],
      resourceLimits: { maxOldGenerationSizeMb: HEAP_MB },
    });
    // An idle console thread must not keep the process alive.
    this.worker.unref();
    this.worker.on('message', (m: FromConsole) => this.receive(m));
    this.worker.on('error', (err: Error & { code?: string }) =>
      this.end(err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `console script stopped: it used more than ${HEAP_MB} MB` : `console thread failed: ${err.message}`),
    );
    this.worker.on('exit', () => this.end('console script stopped: its thread ended (process.exit?)'));
  }

  /** False once stopped or ended. */
  get alive(): boolean {
    return this.endedWith === undefined;
  }

  /**
   * Run a script in the thread.
   * @param code The body of `async (connect, cp) => {…}`.
   * @param cp The charge point `cp` starts as.
   * @param connect The `connect` function it gets.
   */
  run(code: string, cp: unknown, connect: unknown): Promise<RunEnd> {
    if (this.endedWith !== undefined) return Promise.resolve({ error: this.endedWith, stopped: true });
    const run = this.nextId++;
    return new Promise((resolve) => {
      this.runs.set(run, resolve);
      this.post({ t: 'run', run, code, cp: this.encode(cp), connect: this.encode(connect) });
    });
  }

  /**
   * End the thread now (it may be in an endless loop); every script running in it ends with `reason`.
   * @param reason One line.
   */
  stop(reason: string): void {
    if (this.endedWith !== undefined) return;
    this.end(reason);
    void this.worker.terminate();
  }

  private end(reason: string): void {
    if (this.endedWith !== undefined) return;
    this.endedWith = reason;
    for (const done of this.runs.values()) done({ error: reason, stopped: true });
    for (const call of this.calls.values()) call.reject(new Error(reason));
    this.runs.clear();
    this.calls.clear();
    this.objects.clear();
    this.idOf.clear();
    this.replies.close();
  }

  private post(m: ToConsole): void {
    if (this.endedWith === undefined) this.worker.postMessage(m);
  }

  private receive(m: FromConsole): void {
    // Left in the queue by a thread just stopped: nobody waits for the answer.
    if (m.t === 'sync' && this.endedWith !== undefined) return;
    switch (m.t) {
      case 'sync':
        return this.answer(m.op);
      case 'log':
        return this.onLog(m.level, m.line);
      case 'done': {
        const done = this.runs.get(m.run);
        this.runs.delete(m.run);
        let cp: unknown;
        try {
          cp = this.decode(m.cp);
        } catch {
          cp = undefined;
        }
        return done?.({ result: m.result, error: m.error, cp });
      }
      case 'return': {
        const call = this.calls.get(m.call);
        this.calls.delete(m.call);
        if (!call) return;
        if (!m.reply.ok) return call.reject(rebuildError(m.reply.error));
        try {
          call.resolve(this.decode(m.reply.value));
        } catch (err) {
          call.reject(err);
        }
        return;
      }
      case 'release': {
        const o = this.objects.get(m.id);
        if (o && (o.count -= m.count) <= 0) {
          this.objects.delete(m.id);
          this.idOf.delete(o.value);
        }
        return;
      }
    }
  }

  /** Answer a synchronous request: the reply goes on its own port, then the waiting thread is woken. */
  private answer(op: SyncOp): void {
    let reply: SyncReply;
    try {
      reply = { ok: true, value: this.perform(op) };
    } catch (err) {
      reply = { ok: false, error: errorData(err) };
    }
    try {
      this.replies.postMessage(reply);
    } catch (err) {
      this.replies.postMessage({ ok: false, error: errorData(err, `cannot pass that to a console script: ${(err as Error).message}`) } satisfies SyncReply);
    }
    Atomics.store(this.flag, 0, 1);
    Atomics.notify(this.flag, 0);
  }

  private perform(op: SyncOp): unknown {
    const target = this.object(op.id) as Record<string, unknown>;
    switch (op.op) {
      case 'get':
        return this.encodeLive(Reflect.get(target, op.key));
      case 'own':
        return Object.prototype.hasOwnProperty.call(target, op.key) ? { value: this.encodeLive(target[op.key]) } : undefined;
      case 'set':
        return Reflect.set(target, op.key, this.decode(op.value));
      case 'delete':
        return Reflect.deleteProperty(target, op.key);
      case 'has':
        return op.key in target;
      case 'keys':
        return Object.keys(target);
      case 'apply':
        return this.encode(Reflect.apply(target as unknown as (...a: unknown[]) => unknown, this.decode(op.self), op.args.map((a) => this.decode(a))));
      case 'json':
        return jsonOf(target);
      case 'inspect':
        return inspect(target, { depth: op.depth });
    }
  }

  private object(id: number): unknown {
    const o = this.objects.get(id);
    if (!o) throw new ReferenceError('that server object is no longer known to this console script');
    return o.value;
  }

  private ref(value: object, fn: boolean): Tagged {
    let id = this.idOf.get(value);
    if (id === undefined) {
      id = this.nextId++;
      this.idOf.set(value, id);
      this.objects.set(id, { value, count: 0 });
    }
    this.objects.get(id)!.count++;
    return { [TAG]: 'ref', id, fn };
  }

  /** A property read: a plain object is handed out live (so `cp.automation.heartbeat = false` takes effect). */
  private encodeLive(value: unknown): unknown {
    return typeof value === 'object' && value !== null && !Array.isArray(value) && isPlain(value) ? this.ref(value, false) : this.encode(value);
  }

  /** Results and handler arguments: data is copied; functions, class instances and promises are not. */
  private encode(value: unknown): unknown {
    return encode(value, (v) => {
      if (typeof v === 'function') return this.ref(v, true);
      if (v instanceof Error) return { [TAG]: 'error', error: errorData(v) };
      if (typeof (v as { then?: unknown }).then === 'function') return this.promise(v as PromiseLike<unknown>);
      return isPlain(v) ? undefined : this.ref(v, false);
    });
  }

  private promise(p: PromiseLike<unknown>): Tagged {
    const id = this.nextId++;
    const settle = (reply: SyncReply): void => this.post({ t: 'settle', promise: id, reply });
    p.then(
      (value) => {
        try {
          settle({ ok: true, value: this.encode(value) });
        } catch (err) {
          settle({ ok: false, error: errorData(err) });
        }
      },
      (err: unknown) => settle({ ok: false, error: errorData(err) }),
    );
    return { [TAG]: 'promise', id };
  }

  private decode(value: unknown): unknown {
    return decode(value, (t) => {
      switch (t[TAG]) {
        case 'ref':
          return this.object(t.id);
        case 'callback':
          return this.stub(t.id);
        case 'error':
          return rebuildError(t.error);
        default:
          throw new TypeError('a Promise cannot be passed to the server: await it first');
      }
    });
  }

  /** The server's stand-in for a function of the thread: calls it by message, returns a Promise of its result. */
  private stub(id: number): (...args: unknown[]) => Promise<unknown> {
    const known = this.stubs.get(id);
    if (known) return known;
    let warned = false;
    const stub = (...args: unknown[]): Promise<unknown> => {
      let result: Promise<unknown>;
      if (this.endedWith !== undefined) {
        if (!warned) this.onLog('warning', `a handler of a stopped console script was called (${this.endedWith}): run the script again to register it anew`);
        warned = true;
        result = Promise.reject(new Error(`the console script that registered this handler was stopped`));
      } else {
        const call = this.nextId++;
        result = new Promise((resolve, reject) => this.calls.set(call, { resolve, reject }));
        try {
          this.post({ t: 'invoke', call, callback: id, args: args.map((a) => this.encode(a)) });
        } catch (err) {
          this.calls.get(call)?.reject(err);
          this.calls.delete(call);
        }
      }
      // Event emitters drop what a listener returns: its rejection must not become an unhandled one.
      result.catch(() => undefined);
      return result;
    };
    this.stubs.set(id, stub);
    return stub;
  }
}
