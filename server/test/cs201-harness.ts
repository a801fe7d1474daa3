/**
 * Harness for OCPP 2.0.1 station cases driven from the CSMS side: an independent `ocpp-rpc`
 * RPCServer in strict mode on `ocpp2.0.1` (its own schemas and ajv) on 127.0.0.1, recording every
 * CALL the station sends, answering each with a valid default (overridable per action), and one
 * {@link ChargingStation} connected to it, optionally on a virtual clock.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { RPCServer, type RPCClient } from 'ocpp-rpc';
import { ChargingStation, type ChargingStationOptions } from '../src/charging-station/charging-station';
import { VirtualScheduler } from '../src/ocpp/scheduler';
import { startWebServer } from '../src/web/server';
import { freePortPair } from './helpers';

type Params = Record<string, any>;

/** A CALL the station sent. */
export interface Sent201 {
  action: string;
  params: Params;
  /** When it arrived, on the station's clock. */
  at: number;
}

/** The CSMS's answer to a station CALL: a payload, or an error to throw (a CALLERROR). */
export type Responder = (params: Params) => Params | Promise<Params>;

const now = (): string => new Date().toISOString();

/**
 * TransactionEvent answers that can be held back: while held, the station's messages wait unanswered
 * in its queue (E14 "messages in queue"); `release()` answers the one waiting and stops holding.
 */
export function heldTransactionEvents(): { answers: Record<string, Responder>; hold(): void; release(): void } {
  let held = false;
  let waiting: () => void = () => undefined;
  return {
    answers: {
      TransactionEvent: async (p) => {
        if (held) await new Promise<void>((r) => (waiting = r));
        return p.idToken ? { idTokenInfo: { status: 'Accepted' } } : {};
      },
    },
    hold: () => (held = true),
    release: () => {
      held = false;
      waiting();
    },
  };
}

/** Valid CSMS answers to every station-initiated Core action. */
export const DEFAULT_ANSWERS: Record<string, Responder> = {
  BootNotification: () => ({ currentTime: now(), interval: 300, status: 'Accepted' }),
  Heartbeat: () => ({ currentTime: now() }),
  StatusNotification: () => ({}),
  Authorize: () => ({ idTokenInfo: { status: 'Accepted' } }),
  TransactionEvent: (p) => (p.idToken ? { idTokenInfo: { status: 'Accepted' } } : {}),
  MeterValues: () => ({}),
  NotifyReport: () => ({}),
  SecurityEventNotification: () => ({}),
  ReservationStatusUpdate: () => ({}),
  LogStatusNotification: () => ({}),
  FirmwareStatusNotification: () => ({}),
  NotifyEvent: () => ({}),
  NotifyCustomerInformation: () => ({}),
  NotifyMonitoringReport: () => ({}),
  NotifyDisplayMessages: () => ({}),
  ReportChargingProfiles: () => ({}),
  NotifyChargingLimit: () => ({}),
  ClearedChargingLimit: () => ({}),
  DataTransfer: () => ({ status: 'Accepted' }),
};

/** One 2.0.1 station against one strict ocpp-rpc CSMS. */
export interface Bench201 {
  /** The station. */
  cs: ChargingStation;
  /** The virtual clock, when asked for. */
  clock?: VirtualScheduler;
  /** Every CALL the station sent, in order (security events included). */
  calls: Sent201[];
  /** Frames the strict server refused (must stay empty). */
  failures: unknown[];
  /** Answers by action; replace an entry to change what the CSMS says. */
  answers: Record<string, Responder>;
  /** The server side of the current connection. */
  client(): Promise<RPCClient>;
  /** Send a CSMS-initiated call and resolve with the answer (rejects on CALLERROR). */
  call(action: string, params?: Params): Promise<Params>;
  /** Wait (real time, up to `ms`, default 3 s) until `count` CALLs of `action` (matching) arrived after index `from`. */
  waitFor(action: string, opts?: { match?: (p: Params) => boolean; count?: number; from?: number; ms?: number }): Promise<Sent201[]>;
  /** Calls since index `from`, optionally of one action, security events left out unless asked for. */
  since(from: number, action?: string): Sent201[];
  /**
   * Move the virtual clock, letting the station's messages be answered between steps (`wait`
   * false: only let I/O run a moment, for a CSMS that deliberately leaves calls unanswered).
   */
  advance(ms: number, wait?: boolean): Promise<void>;
  /** Let real-time I/O settle. */
  settle(ms?: number): Promise<void>;
  /** Server URL the station connects to (without its id). */
  url: string;
  /** The CSMS. */
  csms: Csms201;
  /** Stop the station and the server. */
  close(): Promise<void>;
}

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Options of {@link bench201}. */
export interface Bench201Options extends ChargingStationOptions {
  /** Station id (default CS1). */
  id?: string;
  /** Run the station on a virtual clock. */
  virtual?: boolean;
  /** Answers overriding {@link DEFAULT_ANSWERS}. */
  answers?: Record<string, Responder>;
  /** Do not connect the station (the test connects it). */
  noConnect?: boolean;
  /** Check the HTTP Basic password of each connection (security profile 1); false refuses it with 401. */
  checkPassword?: (password: string | undefined) => boolean;
  /** Serve the CSMS over TLS with these server options (the station then dials wss://localhost). */
  csmsTls?: https.ServerOptions;
}

/** Options of {@link csms201}. */
export interface Csms201Options {
  /** Answers overriding {@link DEFAULT_ANSWERS}. */
  answers?: Record<string, Responder>;
  /** Check the HTTP Basic password of each connection; false refuses it with 401. */
  checkPassword?: (password: string | undefined) => boolean;
  /** Serve wss:// with these TLS server options (key, cert, minVersion, …) instead of ws://. */
  tls?: https.ServerOptions;
  /** Timestamps of recorded calls (default: the real clock). */
  now?: () => number;
}

/** A strict ocpp-rpc CSMS on 127.0.0.1 recording every CALL (without a station). */
export interface Csms201 {
  /** Every CALL received, in order. */
  calls: Sent201[];
  /** Frames the strict server refused. */
  failures: unknown[];
  /** Answers by action. */
  answers: Record<string, Responder>;
  /** `ws://127.0.0.1:port/` or `wss://localhost:port/`. */
  url: string;
  /** The HTTPS server, when serving TLS (to change its certificate or TLS versions). */
  https?: https.Server;
  /** The latest connection, or the next one. */
  client(): Promise<RPCClient>;
  /** Connections accepted so far. */
  connections: number;
  /** Stop the server and its connections. */
  close(): Promise<void>;
}

/** Start a strict ocpp-rpc CSMS (ws://, or wss:// with `tls`). */
export async function csms201(options: Csms201Options = {}): Promise<Csms201> {
  const { checkPassword, tls, now = Date.now } = options;
  const server = new RPCServer({ protocols: ['ocpp2.0.1'], strictMode: true });
  if (checkPassword) {
    server.auth((accept, reject, handshake) => (checkPassword((handshake as { password?: Buffer }).password?.toString()) ? accept() : reject(401, 'Unauthorized')));
  }
  let current: RPCClient | undefined;
  let waiters: ((c: RPCClient) => void)[] = [];
  const c: Csms201 = {
    calls: [],
    failures: [],
    answers: { ...DEFAULT_ANSWERS, ...options.answers },
    url: '',
    connections: 0,
    client: () => (current && current.state === 1 ? Promise.resolve(current) : new Promise((r) => waiters.push(r))),
    async close() {
      waiters = [];
      await server.close({ force: true });
      if (c.https) await new Promise<void>((r) => c.https!.close(() => r()));
    },
  };
  server.on('client', (client: RPCClient) => {
    current = client;
    c.connections++;
    client.on('strictValidationFailure', (e: { error?: Error }) => c.failures.push(e.error?.message ?? e));
    client.on('badMessage', (e: unknown) => c.failures.push(e));
    client.handle(async ({ method = '', params }: { method?: string; params?: any }) => {
      c.calls.push({ action: method, params, at: now() });
      const answer = c.answers[method];
      if (!answer) throw new Error(`no answer for ${method}`);
      return answer(params ?? {});
    });
    for (const w of waiters.splice(0)) w(client);
  });
  if (tls) {
    c.https = https.createServer(tls);
    c.https.on('upgrade', server.handleUpgrade);
    await new Promise<void>((r) => c.https!.listen(0, '127.0.0.1', () => r()));
    c.url = `wss://localhost:${(c.https.address() as AddressInfo).port}/`;
  } else {
    const http = await server.listen(0, '127.0.0.1');
    c.url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/`;
  }
  return c;
}

/** Start the strict server and a station with automatic boot; resolves once the boot answer came. */
export async function bench201(options: Bench201Options = {}): Promise<Bench201> {
  const { id = 'CS1', virtual = false, answers, noConnect, checkPassword, csmsTls, ...csOptions } = options;
  const clock = virtual ? new VirtualScheduler(Date.parse('2026-01-05T10:00:00.000Z')) : undefined;
  const csms = await csms201({ answers, checkPassword, tls: csmsTls, now: clock ? () => clock.now() : undefined });
  const { calls, url } = csms;
  const cs = new ChargingStation(`${url}${id}`, id, { boot: 'auto', scheduler: clock, ...csOptions });
  const b: Bench201 = {
    cs,
    clock,
    calls,
    failures: csms.failures,
    answers: csms.answers,
    url,
    csms,
    client: () => (cs.connected ? csms.client() : new Promise((r) => cs.once('open', () => r(csms.client())))),
    async call(action, params = {}) {
      const client = await b.client();
      return (await client.call(action, params)) as Params;
    },
    async waitFor(action, opts = {}) {
      const { match = () => true, count = 1, from = 0, ms = 3000 } = opts;
      const found = () => calls.slice(from).filter((c) => c.action === action && match(c.params));
      for (let waited = 0; found().length < count; waited += 5) {
        if (waited > ms) throw new Error(`waited ${ms} ms for ${count} ${action}; got ${JSON.stringify(calls.slice(from).map((c) => c.action))}`);
        if (clock) await b.advance(0);
        await pause(5);
      }
      return found();
    },
    since: (from, action) => calls.slice(from).filter((c) => (action ? c.action === action : c.action !== 'SecurityEventNotification')),
    async advance(ms, wait = true) {
      await clock!.advance(ms, async () => {
        await pause(1);
        for (let w = 0; wait && w < 2000 && !(cs.endpoint.idle || !cs.connected); w += 2) await pause(2);
      });
    },
    settle: (ms = 50) => pause(ms),
    async close() {
      await cs.close().catch(() => undefined);
      await csms.close();
    },
  };
  if (!noConnect) await cs.connect();
  return b;
}

/**
 * {@link bench201} for one test: stopped after it, and the strict CSMS must have refused nothing.
 * Resolves once every connector was reported (unless `awaitStatus` is false, e.g. for a boot
 * that is not accepted).
 */
export async function withBench201(t: { after: (fn: () => unknown) => void }, options: Bench201Options & { awaitStatus?: boolean } = {}): Promise<Bench201> {
  const { awaitStatus = true, ...rest } = options;
  const b = await bench201(rest);
  t.after(async () => {
    await b.close();
    assert.deepEqual(b.failures, [], 'the strict CSMS refused frames the station sent');
  });
  if (awaitStatus && !rest.noConnect) await b.waitFor('StatusNotification', { count: b.cs.station.evses.reduce((n, e) => n + e.connectors.length, 0) });
  return b;
}

/**
 * Server mode's web server (REST API) on free ports beside a strict CSMS without a station (the
 * test creates it over REST); both stopped after the test.
 */
export async function webBeside201(t: { after: (fn: () => unknown) => void }, answers?: Record<string, Responder>): Promise<{ csms: Bench201; port: number }> {
  const csms = await bench201({ noConnect: true, answers });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ocpp-sim-web201-'));
  const port = await freePortPair();
  const web = await startWebServer({ port, bind: '127.0.0.1', root });
  t.after(async () => {
    await web.close();
    await csms.close();
    fs.rmSync(root, { recursive: true, force: true });
  });
  return { csms, port };
}
