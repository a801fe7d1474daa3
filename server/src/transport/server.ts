/**
 * Accepts charge-point WebSockets for a central system: identity from the last path segment,
 * subprotocol negotiation, optional HTTP Basic auth (401 before the upgrade).
 * @module
 */
import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { MAX_WS_PAYLOAD } from './socket';

/** Credentials from an upgrade request's `Authorization: Basic` header. */
export interface BasicCredentials {
  username: string;
  /** The password bytes (1.6 profile 1/2 may send the AuthorizationKey as raw bytes). */
  password: Buffer;
}

/** Decides whether a charge point may connect. */
export type Authenticator = (identity: string, credentials: BasicCredentials | undefined, req: http.IncomingMessage) => boolean | Promise<boolean>;

/** Listener options. */
export interface ServerOptions {
  /** Port (0 picks a free one). */
  port: number;
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /** Subprotocols we speak, in order of preference. */
  protocols: string[];
  /** Optional Basic-auth check; refusals get HTTP 401. */
  authenticate?: Authenticator;
}

/** A charge point that completed the handshake. */
export interface Accepted {
  /** Charge point identity (last path segment, percent-decoded). */
  identity: string;
  /** The negotiated subprotocol. */
  protocol: string;
  /** The open socket. */
  ws: WebSocket;
  /** The upgrade request. */
  request: http.IncomingMessage;
}

/** Parse `Authorization: Basic …`. */
export function parseBasicAuth(header: string | undefined): BasicCredentials | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  const raw = Buffer.from(m[1]!, 'base64');
  const colon = raw.indexOf(0x3a);
  if (colon < 0) return undefined;
  return { username: raw.subarray(0, colon).toString('utf8'), password: raw.subarray(colon + 1) };
}

function refuse(socket: Duplex, status: number, text: string, extra = ''): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n${extra}\r\n`);
}

/** A WebSocket listener for OCPP charge points. Emits `connection` with an {@link Accepted}. */
export class OcppServer extends EventEmitter {
  /** The HTTP server underneath (add routes to it if you like). */
  readonly http: http.Server;
  private readonly wss: WebSocketServer;

  /**
   * Create a listener; call {@link OcppServer.listen} to start it.
   * @param options See {@link ServerOptions}.
   */
  constructor(private readonly options: ServerOptions) {
    super();
    this.http = http.createServer((_req, res) => {
      res.writeHead(426, { 'Content-Type': 'text/plain' }).end('OCPP endpoint: connect with a WebSocket to /<charge point id>\n');
    });
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_WS_PAYLOAD,
      perMessageDeflate: false,
      // No common subprotocol: complete without one and close at once (OCPP-J §3.1.2).
      handleProtocols: (offered) => options.protocols.find((p) => offered.has(p)) ?? false,
    });
    this.http.on('upgrade', (req, socket, head) => void this.upgrade(req, socket, head));
  }

  /** Start listening; resolves with the bound port. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.options.port, this.options.host ?? '127.0.0.1', () => {
        this.http.off('error', reject);
        resolve((this.http.address() as AddressInfo).port);
      });
    });
  }

  /** Close every connection and stop listening. */
  close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    return new Promise((resolve) => {
      this.wss.close();
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }

  private async upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => undefined);
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    let identity: string;
    try {
      identity = decodeURIComponent(path.split('/').filter(Boolean).pop() ?? '');
    } catch {
      identity = '';
    }
    if (!identity) return refuse(socket, 404, 'Not Found');
    const auth = this.options.authenticate;
    if (auth && !(await auth(identity, parseBasicAuth(req.headers.authorization), req))) {
      return refuse(socket, 401, 'Unauthorized', 'WWW-Authenticate: Basic realm="OCPP"\r\n');
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (!ws.protocol) {
        ws.close(1002, 'no supported subprotocol');
        return;
      }
      this.emit('connection', { identity, protocol: ws.protocol, ws, request: req } satisfies Accepted);
    });
  }
}
