/** Shared test fixtures: a raw OCPP peer on loopback, and the real CLI as a child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer as createHttpServer, type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import WebSocket, { WebSocketServer } from 'ws';

/** Repository root (tests run from server/dist/test). */
export const ROOT = path.resolve(__dirname, '../../..');

/** A hand-driven end of a connection: every frame it receives is queued; it sends whatever the test says. */
interface HandDriven {
  /** Next frame received (parsed), waiting up to `ms`. */
  next(ms?: number): Promise<unknown[]>;
  /** Resolves true if no frame arrives within `ms`. */
  silentFor(ms: number): Promise<boolean>;
  /** Send a text frame to the other end. */
  send(text: string | unknown[]): void;
}

/** A hand-driven central system. */
export interface RawPeer extends HandDriven {
  /** URL to connect a charge point to (ends with `/`; append the id). */
  url: string;
  /** The connected socket, once there is one. */
  socket(): Promise<WebSocket>;
  /** Stop. */
  close(): Promise<void>;
}

/** Frames received, queued until a test asks for them. */
function frameQueue(): { push(text: string): void; next(ms?: number): Promise<unknown[]>; silentFor(ms: number): Promise<boolean> } {
  const inbox: unknown[][] = [];
  const waiters: ((frame: unknown[]) => void)[] = [];
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
    push: (text) => {
      const frame = JSON.parse(text) as unknown[];
      const w = waiters.shift();
      if (w) w(frame);
      else inbox.push(frame);
    },
    next,
    silentFor: (ms) => next(ms).then(() => false, () => true),
  };
}

/**
 * A raw WebSocket server on 127.0.0.1 playing the central system by hand, speaking the first of
 * `protocols` (default `ocpp1.6`) the client offers.
 */
export async function rawCsms(protocols = ['ocpp1.6']): Promise<RawPeer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (p) => protocols.find((name) => p.has(name)) ?? false });
  await new Promise((r) => wss.once('listening', r));
  const frames = frameQueue();
  let current: WebSocket | undefined;
  const connected = new Promise<WebSocket>((resolve) => {
    wss.on('connection', (ws) => {
      current = ws;
      ws.on('message', (data) => frames.push(data.toString()));
      resolve(ws);
    });
  });
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`,
    next: frames.next,
    silentFor: frames.silentFor,
    send: (text) => current!.send(typeof text === 'string' ? text : JSON.stringify(text)),
    socket: () => connected,
    close: () =>
      new Promise((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}

/** A raw WebSocket client playing the charge point by hand (the counterpart of {@link rawCsms}). */
export interface RawClient extends HandDriven {
  /** The negotiated subprotocol. */
  protocol: string;
  /** Close and wait until closed. */
  close(): Promise<void>;
}

/** Connect a raw client to `url`, offering `protocols`. */
export async function rawClient(url: string, protocols: string[]): Promise<RawClient> {
  const ws = new WebSocket(url, protocols);
  const frames = frameQueue();
  ws.on('message', (data) => frames.push(data.toString()));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return {
    protocol: ws.protocol,
    next: frames.next,
    silentFor: frames.silentFor,
    send: (text) => ws.send(typeof text === 'string' ? text : JSON.stringify(text)),
    close: () => new Promise((resolve) => (ws.readyState === WebSocket.CLOSED ? resolve() : (ws.once('close', () => resolve()), ws.close()))),
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

/** Open a raw connection (by default `ocpp1.6`) to a CSMS at `url` (ending with the charge point id). */
export async function rawChargePoint(url: string, protocols = ['ocpp1.6']): Promise<RawChargePoint> {
  const ws = new WebSocket(url, protocols);
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
  for (let tries = 0; tries < 50; tries++) {
    const s = (await listenOn(0))!;
    const port = (s.address() as AddressInfo).port;
    await new Promise((r) => s.close(r));
    if (handOut(port)) return port;
  }
  throw new Error('no free port that was not handed out already');
}

/**
 * Ports handed out in this process. The OS may give a port that was just closed to the next
 * `listen(0)` again: two picks of one test (a CSMS port, then the UI's pair) must differ.
 */
const handedOut = new Set<number>();

/** Take ports for the caller; false when one was handed out before. */
function handOut(...ports: number[]): boolean {
  if (ports.some((p) => handedOut.has(p))) return false;
  for (const p of ports) handedOut.add(p);
  return true;
}

function listenOn(port: number): Promise<net.Server | undefined> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(undefined));
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

/** Two consecutive free ports on 127.0.0.1 (server mode's PORT and the bridge's PORT+1). */
export async function freePortPair(): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const first = (await listenOn(0))!;
    const port = (first.address() as AddressInfo).port;
    const second = port < 65535 ? await listenOn(port + 1) : undefined;
    first.close();
    second?.close();
    if (second && handOut(port, port + 1)) return port;
  }
  throw new Error('no two consecutive free ports');
}

/** The CLI's entry point (what start.sh runs once built). */
export const MAIN = path.join(ROOT, 'server/dist/src/runtime/main.js');

/** A CLI process a test started. */
export interface CliProcess {
  /** The child process. */
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  out: () => string;
  /** What it printed on stderr so far. */
  err: () => string;
  /** The exit code, once it exited. */
  exited: Promise<number | null>;
  /** SIGINT, then the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Start the CLI (`node main.js ARGS`) with its output collected; stop it with `stop()`.
 * `stdin: 'pipe'` gives it a standard input the test writes to (`child.stdin`).
 */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}, stdin: 'ignore' | 'pipe' = 'ignore'): CliProcess {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: ROOT, env: { ...process.env, DEBUG: '', CSMS_URL: '', ...env }, stdio: [stdin, 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => {
    out += d;
    err += d;
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    out: () => out,
    err: () => err,
    exited,
    stop() {
      if (child.exitCode === null) child.kill('SIGINT');
      return exited;
    },
  };
}

/** Server mode of the real CLI (no script), started and printing its start lines. */
export interface ServerMode {
  /** The process. */
  child: ChildProcess;
  /** `http://127.0.0.1:PORT`. */
  ui: string;
  /** The token from the printed `open …?token=` URL (none with `--no-token`). */
  token?: string;
  /** Everything printed so far (stdout and stderr). */
  output(): string;
  /** Send `signal` (default SIGINT) and resolve with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

let scratchRoot: string | undefined;

/**
 * A fresh directory under one temporary root that is removed when the test process exits: what
 * a spawned server mode gets as XDG_STATE_HOME, so it never keeps or restores charge points in
 * the user's own state directory.
 */
export function scratchDir(): string {
  if (scratchRoot === undefined) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ocpp-sim-test-'));
    scratchRoot = root;
    process.once('exit', () => fs.rmSync(root, { recursive: true, force: true }));
  }
  return fs.mkdtempSync(path.join(scratchRoot, 'state-'));
}

/**
 * Start `ocpp-sim` in server mode on `port` (the bridge on port + 1) and wait for its start
 * lines. Its state directory is a scratch one unless `env` names an XDG_STATE_HOME or `args` a
 * `--state-dir`.
 */
export async function startServerMode(port: number, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<ServerMode> {
  const child = spawn(process.execPath, [path.join(ROOT, 'server/dist/src/runtime/main.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, DEBUG: '', CSMS_URL: '', OCPP_SIM_TOKEN: '', BIND: '127.0.0.1', XDG_STATE_HOME: scratchDir(), ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  for (let waited = 0; !/^ {2}open \S+|--no-token/m.test(out); waited += 50) {
    if (waited > 20_000 || child.exitCode !== null) throw new Error(`server mode did not start:\n${out}`);
    await pause(50);
  }
  const token = /^ {2}open \S+\?token=(\S+)/m.exec(out)?.[1];
  return {
    child,
    ui: `http://127.0.0.1:${port}`,
    token: token !== undefined ? decodeURIComponent(token) : undefined,
    output: () => out,
    stop: (signal = 'SIGINT') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** What the browser tests run against: server mode with the embedded CSMS, and Debian's Chromium. */
export interface UiBench {
  /** The server. */
  server: ServerMode;
  /** Headless Chromium (/usr/bin/chromium). */
  browser: Browser;
  /** The embedded CSMS, `ws://127.0.0.1:PORT/ocpp` (a charge point id follows). */
  csmsUrl: string;
}

/**
 * A page of the UI at `query` (viewport 1440 × 900, page errors printed, a missing element fails
 * after `timeoutMs` instead of holding the run), once the bridge is up. With `storeToken`, the
 * page first visits `?token=` so the tab keeps the access token.
 */
export async function openUiPage(browser: Browser, server: ServerMode, query: string, options: { storeToken?: boolean; timeoutMs?: number; height?: number } = {}): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1440, height: options.height ?? 900 } });
  page.setDefaultTimeout(options.timeoutMs ?? 20_000);
  page.on('pageerror', (err) => console.error(`page error: ${err.message}`));
  if (options.storeToken) {
    await page.goto(`${server.ui}/?token=${server.token}`);
    await page.getByTestId('bridge-state').waitFor();
  }
  await page.goto(`${server.ui}/${query}`);
  await page.getByTestId('bridge-state').waitFor();
  return page;
}

/** Start server mode with `--with-csms` on free ports and launch Chromium (the server is stopped if the browser fails). */
export async function startUiBench(): Promise<UiBench> {
  const port = await freePortPair();
  const csmsPort = await freePort();
  const server = await startServerMode(port, ['--with-csms', '--port', String(csmsPort)]);
  try {
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox'] });
    return { server, browser, csmsUrl: `ws://127.0.0.1:${csmsPort}/ocpp` };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

/**
 * Poll (real time, every 50 ms) until `fn()` returns something truthy and resolve with it; a throw
 * counts as not yet (an element still missing). Fails after `ms` naming `label` and the last error.
 */
export async function waitForValue<T>(fn: () => Promise<T> | T, label: string, ms = 10_000): Promise<NonNullable<T>> {
  let last: unknown;
  for (let waited = 0; waited <= ms; waited += 50) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    await pause(50);
  }
  throw new Error(`timed out waiting for ${label}${last ? `: ${String(last)}` : ''}`);
}

/** Poll (real time, every 50 ms) until `fn()` holds; fail after `ms` naming `label`. */
export async function until(fn: () => boolean | Promise<boolean>, label: string, ms = 10_000): Promise<void> {
  for (let waited = 0; !(await fn()); waited += 50) {
    if (waited > ms) throw new Error(`timed out waiting for ${label}`);
    await pause(50);
  }
}

/** POST a JSON body; resolves with the status and the parsed JSON answer. */
export async function postJson(url: string, body: unknown = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/**
 * Announce a request body of 10 GB on a raw socket, send one byte of it, and wait for the server
 * to answer and close the connection (failing after 5 s).
 * @returns The status and how long it took.
 */
export async function announceHugeBody(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; ms: number }> {
  const started = Date.now();
  const socket = net.connect(port, '127.0.0.1');
  const lines = Object.entries({ host: `127.0.0.1:${port}`, 'content-type': 'application/json', 'content-length': '10737418240', ...headers }).map(([k, v]) => `${k}: ${v}\r\n`);
  socket.write(`POST ${path} HTTP/1.1\r\n${lines.join('')}\r\n{`);
  let text = '';
  socket.on('data', (d) => (text += d));
  socket.on('error', () => undefined);
  const timer = setTimeout(() => socket.destroy(new Error('still open after 5 s')), 5000);
  await once(socket, 'close');
  clearTimeout(timer);
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), ms: Date.now() - started };
}

/** A transfer that an HTTP server holds: `requested` once the request (and its body) arrived, `release` sends the answer. */
export interface HeldTransfer {
  /** The server's port on 127.0.0.1. */
  port: number;
  /** Resolves once a request has fully arrived. */
  requested: Promise<void>;
  /** Send the held answer. */
  release(): void;
}

/**
 * An HTTP server on 127.0.0.1 that holds the first request's answer until `release()`, for cases
 * that act while a download or upload runs (closed after the test).
 * @param answer Writes the answer when released.
 */
export async function heldHttpTransfer(t: { after: (fn: () => unknown) => void }, answer: (res: ServerResponse) => void): Promise<HeldTransfer> {
  let release = (): void => {};
  let arrived = (): void => {};
  const requested = new Promise<void>((r) => (arrived = r));
  const http = createHttpServer((req, res) => {
    req.resume();
    req.on('end', () => {
      release = () => answer(res);
      arrived();
    });
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  t.after(() => {
    http.closeAllConnections();
    return new Promise<void>((r) => http.close(() => r()));
  });
  return { port: (http.address() as AddressInfo).port, requested, release: () => release() };
}
