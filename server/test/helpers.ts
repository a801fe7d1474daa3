/** Shared test fixtures: a raw OCPP peer on loopback, and the real CLI as a child process. */
import { spawn } from 'node:child_process';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';

/** Repository root (tests run from server/dist/test). */
export const ROOT = path.resolve(__dirname, '../../..');

/** A hand-driven peer: every frame it receives is queued; it sends whatever the test says. */
export interface RawPeer {
  /** URL to connect a charge point to (ends with `/`; append the id). */
  url: string;
  /** Next frame received (parsed), waiting up to `ms`. */
  next(ms?: number): Promise<unknown[]>;
  /** Resolves true if no frame arrives within `ms`. */
  silentFor(ms: number): Promise<boolean>;
  /** Send a text frame to the connected charge point. */
  send(text: string | unknown[]): void;
  /** The connected socket, once there is one. */
  socket(): Promise<WebSocket>;
  /** Stop. */
  close(): Promise<void>;
}

/** A raw WebSocket server speaking `ocpp1.6` on 127.0.0.1, playing the central system by hand. */
export async function rawCsms(): Promise<RawPeer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (p) => (p.has('ocpp1.6') ? 'ocpp1.6' : false) });
  await new Promise((r) => wss.once('listening', r));
  const inbox: unknown[][] = [];
  const waiters: ((frame: unknown[]) => void)[] = [];
  let current: WebSocket | undefined;
  const connected = new Promise<WebSocket>((resolve) => {
    wss.on('connection', (ws) => {
      current = ws;
      ws.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as unknown[];
        const w = waiters.shift();
        if (w) w(frame);
        else inbox.push(frame);
      });
      resolve(ws);
    });
  });
  const next = (ms = 2000): Promise<unknown[]> =>
    inbox.length > 0
      ? Promise.resolve(inbox.shift()!)
      : new Promise((resolve, reject) => {
          const t = setTimeout(() => {
            waiters.splice(waiters.indexOf(done), 1);
            reject(new Error(`no frame within ${ms} ms`));
          }, ms);
          const done = (f: unknown[]): void => {
            clearTimeout(t);
            resolve(f);
          };
          waiters.push(done);
        });
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`,
    next,
    silentFor: (ms) => next(ms).then(() => false, () => true),
    send: (text) => current!.send(typeof text === 'string' ? text : JSON.stringify(text)),
    socket: () => connected,
    close: () =>
      new Promise((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}

/** A raw charge point: sends frames as told, answers nothing unless told, collects what it receives. */
export interface RawChargePoint {
  ws: WebSocket;
  /** Send a frame. */
  send(frame: unknown[]): void;
  /** Send a CALL and wait for its answer (CALLRESULT or CALLERROR). */
  call(id: string, action: string, payload: object): Promise<unknown[]>;
  /** The next CALL from the CSMS. */
  nextCall(): Promise<unknown[]>;
  close(): Promise<void>;
}

/** Open a raw `ocpp1.6` connection to a CSMS at `url` (ending with the charge point id). */
export async function rawChargePoint(url: string): Promise<RawChargePoint> {
  const ws = new WebSocket(url, ['ocpp1.6']);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const answers = new Map<string, (f: unknown[]) => void>();
  const calls: unknown[][] = [];
  const callWaiters: ((f: unknown[]) => void)[] = [];
  ws.on('message', (d) => {
    const f = JSON.parse(d.toString()) as unknown[];
    if (f[0] === 2) {
      const w = callWaiters.shift();
      if (w) w(f);
      else calls.push(f);
    } else answers.get(String(f[1]))?.(f);
  });
  const send = (frame: unknown[]): void => ws.send(JSON.stringify(frame));
  return {
    ws,
    send,
    call: (mid, action, payload) =>
      new Promise((resolve) => {
        answers.set(mid, resolve);
        send([2, mid, action, payload]);
      }),
    nextCall: () => (calls.length ? Promise.resolve(calls.shift()!) : new Promise((r) => callWaiters.push(r))),
    close: () =>
      new Promise((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.close();
      }),
  };
}

/** Outcome of a CLI run. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `start.sh` with arguments (and optional stdin text), failing after `timeoutMs`. */
export function runCli(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(ROOT, 'start.sh'), ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, DEBUG: '', CSMS_URL: '', ...opts.env },
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`start.sh ${args.join(' ')} did not finish within ${opts.timeoutMs ?? 20000} ms\n${stdout}\n${stderr}`));
    }, opts.timeoutMs ?? 20000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}

/** Wait `ms` milliseconds (real time). */
export const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll (real time) until `ok()` is truthy; fail after `ms` with a readable line. */
export async function waitUntil(what: string, ok: () => unknown, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !(await ok()); await pause(20)) if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Two consecutive free ports on 127.0.0.1 (server mode's PORT and the bridge's PORT+1). */
export async function freePortPair(): Promise<number> {
  const listen = (port: number) =>
    new Promise<net.Server | undefined>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(undefined));
      s.listen(port, '127.0.0.1', () => resolve(s));
    });
  for (let tries = 0; tries < 50; tries++) {
    const first = (await listen(0))!;
    const port = (first.address() as AddressInfo).port;
    const second = port < 65535 ? await listen(port + 1) : undefined;
    first.close();
    second?.close();
    if (second) return port;
  }
  throw new Error('no two consecutive free ports');
}
