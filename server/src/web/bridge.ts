/**
 * The WebSocket bridge (`ws://BIND:PORT+1/`): pushes the registry's events (and the embedded
 * CSMS's connections) to the open tabs, once each: the charge-point list, pending calls and the
 * fleet stream to every tab; a charge point's frames, logs and telemetry only to the tabs that
 * watch it. The browser acts through REST; all it sends here is which charge points it watches
 * (`subscriptions.ts`).
 * @module
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { MockCsms } from '../csms/mock-csms';
import { refuse, type AccessPolicy } from '../security/http-access';
import type { FrameRecord, LogRecord, PendingCall, Registry, ChargepointSummary } from './registry';
import { csmsStations } from './rest';
import { telemetryRelay, type TelemetryBatch } from './telemetry-relay';
import { FleetBatcher, type FleetRow } from './fleet';
import { csmsFeed, type CsmsFeedMessage } from './csms-feed';
import type { CsmsWatch } from './csms-watch';
import { Subscriptions } from './subscriptions';

/** A tab that stopped reading is dropped once this much is queued for it. */
const MAX_BUFFERED = 16 * 1024 * 1024;

const ignore = (): void => undefined;

/** A running bridge. */
export interface Bridge {
  /** The HTTP server carrying the upgrades. */
  server: http.Server;
  /** Open tabs. */
  readonly clients: number;
  /** Close every tab and stop listening. */
  close(): Promise<void>;
}

function reject(socket: Duplex, status: number, error: string): void {
  const body = JSON.stringify({ error });
  socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** A connection of the embedded mock CSMS, as the UI lists it. */
export interface CsmsStation {
  /** Charge point id. */
  id: string;
  /** ISO time it connected. */
  connectedAt: string;
  /** The OCPP version it negotiated (`1.6`, `2.0.1`). */
  version: string;
  /** The CSMS-initiated actions of that version. */
  actions: string[];
}

/** Every message the bridge sends (the browser sends only `subscriptions.ts`'s): the UI's types come from here. */
export type BridgeMessage =
  | { type: 'hello'; chargepoints: ChargepointSummary[] }
  | { type: 'chargepoint'; cp: ChargepointSummary }
  | { type: 'removed'; id: string }
  | { type: 'frame'; id: string; frame: FrameRecord }
  | { type: 'log'; id: string; log: LogRecord }
  | { type: 'pending'; id: string; call: PendingCall }
  | { type: 'csms'; stations: CsmsStation[] }
  | { type: 'telemetry'; batch: TelemetryBatch[] }
  | { type: 'fleet'; rows: FleetRow[]; removed: string[] }
  | CsmsFeedMessage
  | { type: 'subscribed'; ids: string[] };

/**
 * Start the bridge.
 * @param registry Source of the events.
 * @param policy Token and Origin rules.
 * @param port Port to listen on.
 * @param bind Address.
 * @param csms The embedded CSMS, whose connections are pushed as `csms` messages.
 * @param csmsWatch Its frame logs, events, meter readings and findings, fed to the tabs that subscribe.
 */
export async function startBridge(registry: Registry, policy: AccessPolicy, port: number, bind: string, csms?: MockCsms, csmsWatch?: CsmsWatch): Promise<Bridge> {
  const wss = new WebSocketServer({ noServer: true });
  const server = http.createServer((_req, res) => {
    res.writeHead(426, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: 'this is the ocpp-sim WebSocket bridge: connect with a WebSocket' }));
  });
  server.on('upgrade', (req, socket, head) => {
    // The HTTP server no longer watches an upgrading socket: a reset would end the process.
    socket.on('error', ignore);
    const refused = refuse(req, policy, 'bridge');
    if (refused) return reject(socket, refused.status, refused.error);
    wss.handleUpgrade(req, socket, head, (ws) => {
      // A frame that breaks RFC 6455 (a tab sends none) closes the socket with its code; nothing to report.
      ws.on('error', ignore);
      subscriptions.attach(ws);
      feed?.attach(ws);
      send(ws, { type: 'hello', chargepoints: registry.summaries() });
    });
  });
  /** Send to some tabs, serialized once (and not at all when no tab is open). */
  const deliver = (tabs: Iterable<WebSocket>, message: BridgeMessage): void => {
    let text: string | undefined;
    for (const ws of tabs) {
      if (ws.readyState !== ws.OPEN) continue;
      if (ws.bufferedAmount > MAX_BUFFERED) {
        ws.terminate();
        continue;
      }
      ws.send((text ??= JSON.stringify(message)));
    }
  };
  const send = (ws: WebSocket, message: BridgeMessage): void => deliver([ws], message);
  const broadcast = (message: BridgeMessage): void => deliver(wss.clients, message);
  const subscriptions = new Subscriptions((id, on) => registry.setWatched(id, on), (ws, ids) => send(ws, { type: 'subscribed', ids }));
  const toWatchers = (id: string, message: BridgeMessage): void => {
    const tabs = subscriptions.tabsOf(id);
    if (tabs) deliver(tabs, message);
  };
  const relay = telemetryRelay(registry, (id) => subscriptions.tabsOf(id), send);
  const feed = csmsWatch && csmsFeed(csmsWatch, send, broadcast);
  const listeners = {
    chargepoint: (cp: ChargepointSummary) => broadcast({ type: 'chargepoint', cp }),
    removed: (id: string) => broadcast({ type: 'removed', id }),
    frame: (id: string, frame: FrameRecord) => toWatchers(id, { type: 'frame', id, frame }),
    log: (id: string, log: LogRecord) => toWatchers(id, { type: 'log', id, log }),
    pending: (id: string, call: PendingCall) => broadcast({ type: 'pending', id, call }),
  };
  for (const [event, fn] of Object.entries(listeners)) registry.on(event, fn);
  // The fleet grid's stream: the rows that changed, at most one message per 500 ms.
  const fleet = new FleetBatcher(registry, (rows, removed) => broadcast({ type: 'fleet', rows, removed }));
  const csmsChanged = (): void => broadcast({ type: 'csms', stations: csmsStations(csms!) });
  csms?.on('connect', csmsChanged);
  csms?.on('disconnect', csmsChanged);
  await new Promise<void>((resolve, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(port, bind, () => {
      server.off('error', rejectListen);
      resolve();
    });
  });
  return {
    server,
    get clients() {
      return wss.clients.size;
    },
    close: async () => {
      for (const [event, fn] of Object.entries(listeners)) registry.off(event, fn);
      relay.close();
      feed?.close();
      subscriptions.close();
      fleet.close();
      csms?.off('connect', csmsChanged);
      csms?.off('disconnect', csmsChanged);
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
