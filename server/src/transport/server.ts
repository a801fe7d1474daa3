/**
 * Accepts charge-point WebSockets for a central system: identity from the last path segment
 * (checked: 404 otherwise), subprotocol negotiation, optional HTTP Basic auth (401 before the
 * upgrade), optional TLS (`wss://`, security profiles 2 and 3) with the client certificate exposed
 * per connection. A client that is slow to ask, or sends garbage, is answered and let go.
 * @module
 */
import { EventEmitter } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import WebSocket, { WebSocketServer } from 'ws';
import { realScheduler, type TimerHandle } from '../ocpp/scheduler';
import { identityFromUrl, invalidIdentity } from './identity';
import { MAX_WS_PAYLOAD } from './socket';

/** Credentials from an upgrade request's `Authorization: Basic` header. */
export interface BasicCredentials {
  username: string;
  /** The password bytes (1.6 profile 1/2 may send the AuthorizationKey as raw bytes). */
  password: Buffer;
}

/** Decides whether a charge point may connect. */
export type Authenticator = (identity: string, credentials: BasicCredentials | undefined, req: http.IncomingMessage) => boolean | Promise<boolean>;

/** TLS settings of the listener (`wss://`). */
export interface ServerTlsOptions {
  /** Server private key, PEM. */
  key: string | Buffer;
  /** Server certificate (chain), PEM. */
  cert: string | Buffer;
  /** CAs that client certificates must chain to (default: Node's roots). */
  ca?: string | Buffer | (string | Buffer)[];
  /** Ask clients for a certificate (security profile 3). */
  requestCert?: boolean;
  /**
   * With `requestCert`: end the TLS handshake of a client without a valid certificate (default
   * false, so the upgrade handler can refuse it with a readable HTTP answer instead).
   */
  rejectUnauthorized?: boolean;
}

/** The client certificate of a TLS connection. */
export interface PeerCertificate {
  /** Subject common name (empty when the subject has none). */
  subject: string;
  /** Serial number, hex as Node reports it. */
  serialNumber: string;
  /** SHA-256 fingerprint, colon-separated hex. */
  fingerprint256: string;
  /** Issuer common name. */
  issuer: string;
  /** The certificate, PEM. */
  pem: string;
}

/** Listener options. */
export interface ServerOptions {
  /** Port (0 picks a free one). */
  port: number;
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /**
   * Subprotocols we speak, in order of preference: a client offering several gets the first of
   * these it offered (its own order does not matter), as {@link Accepted.protocol}.
   */
  protocols: string[];
  /** Optional Basic-auth check; refusals get HTTP 401. */
  authenticate?: Authenticator;
  /** Serve `wss://` with these settings (TLS 1.2 or newer) instead of plain `ws://`. */
  tls?: ServerTlsOptions;
  /**
   * Time a client has for each step of its handshake, in ms (default 10000): the TLS handshake,
   * the upgrade request's headers (else HTTP 408), and the {@link ServerOptions.authenticate}
   * decision (else HTTP 503). A client that dribbles its headers holds a socket no longer.
   */
  handshakeTimeoutMs?: number;
}

/** Default of {@link ServerOptions.handshakeTimeoutMs}. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

/** A charge point that completed the handshake. */
export interface Accepted {
  /** Charge point identity (last path segment, percent-decoded). */
  identity: string;
  /** The negotiated subprotocol: pick the connection's protocol table by it (`protocolBySubprotocol`). */
  protocol: string;
  /** The open socket. */
  ws: WebSocket;
  /** The upgrade request. */
  request: http.IncomingMessage;
  /** The client certificate, when the connection is TLS and the client presented one. */
  peerCertificate?: PeerCertificate;
  /** TLS only: whether the client certificate verified against the configured CAs. */
  authorized?: boolean;
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

/**
 * The client certificate of a request's TLS socket, if any.
 * @param req An upgrade request.
 */
export function peerCertificateOf(req: http.IncomingMessage): PeerCertificate | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  const c = socket.getPeerCertificate();
  if (!c || !c.raw) return undefined;
  const lines = c.raw.toString('base64').match(/.{1,64}/g) ?? [];
  const cn = (name: unknown): string => {
    const v = (name as Record<string, string | string[] | undefined> | undefined)?.CN;
    return Array.isArray(v) ? v.join(', ') : (v ?? '');
  };
  return {
    subject: cn(c.subject),
    serialNumber: c.serialNumber,
    fingerprint256: c.fingerprint256,
    issuer: cn(c.issuer),
    pem: ['-----BEGIN CERTIFICATE-----', ...lines, '-----END CERTIFICATE-----', ''].join('\n'),
  };
}

/** The subprotocols an upgrade request offers, in its order. */
function offeredProtocols(req: http.IncomingMessage): string[] {
  return (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
}

/** What an upgrade request offered: `offered "ocpp2.1", "ocpp1.5"` or `offered no subprotocol`. */
function describeOffer(req: http.IncomingMessage): string {
  const offered = offeredProtocols(req);
  return offered.length ? `offered ${offered.map((p) => JSON.stringify(p)).join(', ')}` : 'offered no subprotocol';
}

/** Answer an HTTP status and close: once the answer is out, not waiting for a client that might never close its end. */
function refuse(socket: Duplex, status: number, extra = ''): void {
  socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n${extra}\r\n`, () => socket.destroy());
}

/** Status and wording for a request Node's HTTP parser gave up on (the statuses Node itself would send). */
function describeClientError(err: Error & { code?: string }): { status: number; reason: string } {
  switch (err.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, reason: 'did not complete its request in time' };
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, reason: 'sent request headers that are too large' };
    default:
      return { status: 400, reason: `sent a malformed HTTP request (${err.message})` };
  }
}

const ignore = (): void => undefined;
const TIMED_OUT = Symbol('timed out');

/** `promise`, or {@link TIMED_OUT} when it takes longer than `ms` (on the one timer heap). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: TimerHandle | undefined;
  const deadline = new Promise<typeof TIMED_OUT>((resolve) => (timer = realScheduler.after(ms, () => resolve(TIMED_OUT))));
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    realScheduler.cancel(timer);
  }
}

/**
 * A WebSocket listener for OCPP charge points. Emits `connection` with an {@link Accepted},
 * `tlsError` (error) when a TLS handshake fails, and `refused` (identity, one readable line) for
 * a client that offered none of {@link ServerOptions.protocols}, named an invalid identity (HTTP
 * 404), was not authenticated in time (503), or sent a malformed or too slow request (400, 408,
 * 431: the identity is then empty and the line names the client's address). A frame that breaks
 * RFC 6455 on an accepted socket closes it with its code (bindSocket reports it).
 */
export class OcppServer extends EventEmitter {
  /** The HTTP(S) server underneath (add routes to it if you like). */
  readonly http: http.Server | https.Server;
  private readonly wss: WebSocketServer;
  private readonly handshakeTimeoutMs: number;

  /**
   * Create a listener; call {@link OcppServer.listen} to start it.
   * @param options See {@link ServerOptions}.
   */
  constructor(private readonly options: ServerOptions) {
    super();
    const plainRequest = (_req: http.IncomingMessage, res: http.ServerResponse): void => {
      res.writeHead(426, { 'Content-Type': 'text/plain' }).end('OCPP endpoint: connect with a WebSocket to /<charge point id>\n');
    };
    const tls = options.tls;
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS;
    // Node checks these deadlines every connectionsCheckingInterval (default 30 s: too coarse here).
    const deadlines = { headersTimeout: this.handshakeTimeoutMs, requestTimeout: this.handshakeTimeoutMs, connectionsCheckingInterval: 1_000 };
    this.http = tls
      ? https.createServer(
          {
            ...deadlines,
            handshakeTimeout: this.handshakeTimeoutMs,
            key: tls.key,
            cert: tls.cert,
            ca: tls.ca,
            requestCert: tls.requestCert ?? false,
            rejectUnauthorized: tls.requestCert ? (tls.rejectUnauthorized ?? false) : false,
            minVersion: 'TLSv1.2',
          },
          plainRequest,
        )
      : http.createServer(deadlines, plainRequest);
    // A failed TLS handshake (e.g. the client distrusts our certificate) is the client's problem to report.
    if (tls) this.http.on('tlsClientError', (err: Error) => this.emit('tlsError', err));
    this.http.on('clientError', (err: Error & { code?: string }, socket: Duplex) => this.clientError(err, socket));
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_WS_PAYLOAD,
      perMessageDeflate: false,
      // The first of ours, in our order of preference, that the client offered.
      handleProtocols: (offered) => this.choose(offered) ?? false,
    });
    this.http.on('upgrade', (req, socket, head) => void this.upgrade(req, socket, head));
  }

  /** Start listening; resolves with the bound port. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.options.port, this.options.host ?? '127.0.0.1', () => {
        this.http.off('error', reject);
        // From now on an error is a connection we could not accept (EMFILE): the others carry on.
        this.http.on('error', (err: Error) => this.emit('refused', '', `cannot accept a connection: ${err.message}`));
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

  /** The first of our subprotocols, in our order of preference, that the client offered. */
  private choose(offered: Iterable<string>): string | undefined {
    const set = new Set(offered);
    return this.options.protocols.find((p) => set.has(p));
  }

  /** A request the HTTP parser refused or that timed out: Node's answer and one line; nothing for a vanished client. */
  private clientError(err: Error & { code?: string }, socket: Duplex): void {
    if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const { status, reason } = describeClientError(err);
    const { remoteAddress, remotePort } = socket as Partial<Socket>;
    this.emit('refused', '', `${remoteAddress ?? 'a client'}:${remotePort ?? '?'} ${reason} (HTTP ${status})`);
    refuse(socket, status);
  }

  private async upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', ignore);
    const identity = identityFromUrl(req.url ?? '/');
    const invalid = invalidIdentity(identity, this.choose(offeredProtocols(req)));
    if (invalid) {
      this.emit('refused', identity, `${invalid} (HTTP 404)`);
      return refuse(socket, 404);
    }
    const auth = this.options.authenticate;
    if (auth) {
      let verdict: boolean | typeof TIMED_OUT;
      try {
        verdict = await within(Promise.resolve(auth(identity, parseBasicAuth(req.headers.authorization), req)), this.handshakeTimeoutMs);
      } catch (err) {
        this.emit('refused', identity, `${identity}: authentication failed: ${(err as Error).message} (HTTP 500)`);
        return refuse(socket, 500);
      }
      if (verdict === TIMED_OUT) {
        this.emit('refused', identity, `${identity}: authentication did not decide within ${this.handshakeTimeoutMs / 1000} s (HTTP 503)`);
        return refuse(socket, 503);
      }
      if (!verdict) return refuse(socket, 401, 'WWW-Authenticate: Basic realm="OCPP"\r\n');
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      // A frame that breaks RFC 6455 makes ws send the close frame with its code and emit
      // 'error', which would end the process if nobody listened; bindSocket reports it.
      ws.on('error', ignore);
      if (!ws.protocol) {
        // No common subprotocol (or none offered): OCPP-J 1.6 §3.1.2 and 2.0.1 Part 4 §3.1.2 say
        // complete the handshake without Sec-WebSocket-Protocol and close at once, rather than
        // refuse with HTTP 400: the client then learns that the server is there and speaks none
        // of its versions. 1002: protocol error (RFC 6455 §7.4.1).
        this.emit('refused', identity, `${identity}: ${describeOffer(req)} (served: ${this.options.protocols.join(', ')})`);
        ws.close(1002, 'no supported subprotocol');
        return;
      }
      const accepted: Accepted = { identity, protocol: ws.protocol, ws, request: req };
      if (this.options.tls) {
        accepted.peerCertificate = peerCertificateOf(req);
        accepted.authorized = (req.socket as TLSSocket).authorized;
      }
      this.emit('connection', accepted);
    });
  }
}
