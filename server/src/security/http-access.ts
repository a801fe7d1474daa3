/**
 * Who may use an HTTP API of ocpp-sim (the web UI's REST API and bridge, the mock CSMS's REST
 * API): the access token, and the Origin / Host / body checks that keep a foreign web page, or a
 * DNS-rebinding one, from driving the simulator through the user's browser.
 * @module
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import http, { type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';

/** True for 127.0.0.0/8, ::1, localhost (and IPv4-mapped loopback). */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || /^::ffff:127\.\d+\.\d+\.\d+$/.test(h);
}

/** A fresh random access token (144 bits). */
export function newToken(): string {
  return randomBytes(18).toString('base64url');
}

/** The access rules of one server. */
export interface AccessPolicy {
  /** The token; `undefined` only with `--no-token` on a loopback bind. */
  token: string | undefined;
  /** A non-loopback bind: every request needs the token. */
  required: boolean;
  /** The UI's port (the Origin a bridge connection must come from). */
  uiPort?: number;
}

/**
 * What a request asks for: `rest` (an Origin must be the page's own: same host and port),
 * `bridge` (the Origin must be the UI's: same host name, the UI port), `script` (as `rest`, and
 * the token is needed on every address: running a script is running code as this user).
 */
export type AccessKind = 'rest' | 'bridge' | 'script';

/**
 * Compare without leaking where they differ or how long the token is: both sides are hashed
 * first, so `timingSafeEqual` always compares 32 bytes.
 */
function sameToken(given: string, token: string): boolean {
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(token));
}

/** The token a request carries: `Authorization: Bearer` (scheme in any case, RFC 7235 §2.1), `X-Ocpp-Sim-Token`, or `?token=`. */
function tokenOf(req: IncomingMessage): string | undefined {
  const bearer = /^bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  if (bearer) return bearer[1];
  const header = req.headers['x-ocpp-sim-token'];
  if (typeof header === 'string') return header;
  return new URL(req.url ?? '/', 'http://x').searchParams.get('token') ?? undefined;
}

/** `host:port` split, tolerating IPv6 brackets; undefined when unreadable. */
function hostPort(text: string | undefined): { host: string; port: string } | undefined {
  if (!text) return undefined;
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(text);
  return m ? { host: m[1]!.toLowerCase(), port: m[2] ?? '' } : undefined;
}

/** A refusal: the HTTP status and one line. */
export interface Refusal {
  /** 401, 403. */
  status: number;
  /** What was wrong and what to do. */
  error: string;
}

/**
 * Check a request; undefined when it may pass.
 * @param req The request (REST or bridge upgrade).
 * @param policy The rules.
 * @param kind What it asks for, see {@link AccessKind}.
 */
export function refuse(req: IncomingMessage, policy: AccessPolicy, kind: AccessKind): Refusal | undefined {
  const host = hostPort(req.headers.host);
  // Without a token, only loopback names may be used: a DNS-rebinding page has a foreign Host.
  if (!policy.required && (!host || !isLoopback(host.host))) return { status: 403, error: `host ${req.headers.host ?? '(none)'} refused: use localhost or 127.0.0.1` };
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let o: URL | undefined;
    try {
      o = new URL(origin);
    } catch {
      o = undefined;
    }
    const port = o && (o.port || (o.protocol === 'https:' ? '443' : '80'));
    const expectedPort = kind === 'bridge' ? String(policy.uiPort) : host?.port || '80';
    const ok = o !== undefined && /^https?:$/.test(o.protocol) && host !== undefined && o.hostname.toLowerCase() === host.host && port === expectedPort;
    if (!ok) return { status: 403, error: `origin ${origin} refused: only the ocpp-sim UI may use this API` };
  }
  if (policy.token !== undefined && (policy.required || kind === 'script')) {
    const given = tokenOf(req);
    if (given === undefined) {
      const what = kind === 'script' && !policy.required ? 'running scripts needs the token: open the URL ocpp-sim printed at start (…/?token=…), or send' : 'token required: send';
      return { status: 401, error: `${what} Authorization: Bearer <token>` };
    }
    if (!sameToken(given, policy.token)) return { status: 401, error: 'wrong token' };
  }
  return undefined;
}

/** JSON, which a cross-site page can only send after a CORS preflight (WHATWG Fetch, CORS-safelisted request-header). */
const JSON_TYPE = /^application\/json\s*(;|$)/i;

/**
 * A script as the request body (the earlier tool's `POST /cp/:cpName`). `text/plain` is one a
 * cross-site page may send without a preflight: such a route is a `script` route, whose token
 * (needed on every address) and Origin check are what keep foreign pages out.
 */
const SCRIPT_TYPE = /^(?:text\/plain|application\/javascript|text\/javascript)\s*(;|$)/i;

/** The body types a route takes: `json` (the APIs) or `script` (a raw script). */
export type BodyKind = 'json' | 'script';

const BODY_TYPES: Record<BodyKind, { type: RegExp; names: string }> = {
  json: { type: JSON_TYPE, names: 'application/json' },
  script: { type: SCRIPT_TYPE, names: 'text/plain or application/javascript' },
};

/**
 * Check the size and type of a request body before anything reads it. A body must be JSON (a
 * cross-site form can only send `application/x-www-form-urlencoded`, `multipart/form-data` or
 * `text/plain`), or for `script` a script text, and one announced larger than `maxBytes` is refused
 * at once (RFC 9110 §15.5.14): reading it off first would hold the socket until the request timeout.
 * @param req The request.
 * @param maxBytes The largest body accepted.
 * @param kind What the body must be (default JSON).
 * @returns A refusal with status 413 or 415, or undefined.
 */
export function refuseBody(req: IncomingMessage, maxBytes: number, kind: BodyKind = 'json'): Refusal | undefined {
  const length = Number(req.headers['content-length'] ?? 0);
  const hasBody = req.headers['transfer-encoding'] !== undefined || length > 0;
  if (!hasBody) return undefined;
  if (length > maxBytes) return { status: 413, error: `request body of ${length} bytes refused: at most ${maxBytes}` };
  const { type, names } = BODY_TYPES[kind];
  if (!type.test(req.headers['content-type'] ?? '')) return { status: 415, error: `request body must be ${names}, got ${req.headers['content-type'] ?? 'no content type'}` };
  return undefined;
}

/**
 * Send a refusal as JSON. When the request announced a body, the connection is closed after the
 * answer (`Connection: close`), so that body is never read: a client announcing 10 GB is done with
 * at once instead of holding the socket until the request timeout.
 * @param res The response.
 * @param status HTTP status.
 * @param body The JSON body.
 */
export function sendRefusal(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) };
  const req = res.req;
  if (req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0) headers.Connection = 'close';
  res.writeHead(status, headers).end(text);
}

/**
 * An HTTP server that bounds how long a client may take to send its request: headers in 10 s, the
 * whole request in 15 s, checked every second (answers may take longer: these stop counting once
 * the request is in).
 * @param handler The request handler (an express app).
 */
export function createBoundedServer(handler: RequestListener): http.Server {
  return http.createServer({ headersTimeout: 10_000, requestTimeout: 15_000, connectionsCheckingInterval: 1_000 }, handler);
}
