/**
 * Who may use the REST API and the bridge: the token (required when bound to a non-loopback
 * address) and the Origin / Host checks that keep a foreign web page, or a DNS-rebinding one,
 * from driving the simulator through the user's browser.
 * @module
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** True for 127.0.0.0/8, ::1, localhost (and IPv4-mapped loopback). */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || /^::ffff:127\.\d+\.\d+\.\d+$/.test(h);
}

/** A fresh random access token. */
export function newToken(): string {
  return randomBytes(18).toString('base64url');
}

/** The access rules of one server. */
export interface AccessPolicy {
  /** The token; checked only when `required`. */
  token: string;
  /** A non-loopback bind: every request needs the token. */
  required: boolean;
  /** The UI's port (the Origin a bridge connection must come from). */
  uiPort: number;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The token a request carries: `Authorization: Bearer`, `X-Ocpp-Sim-Token`, or `?token=`. */
function tokenOf(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
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

/**
 * Check a request; undefined when it may pass, else the HTTP status and one line.
 * @param req The request (REST or bridge upgrade).
 * @param policy The rules.
 * @param kind `rest`: an Origin must be the page's own (same host and port); `bridge`: the
 *   Origin must be the UI's (same host name, the UI port).
 */
export function refuse(req: IncomingMessage, policy: AccessPolicy, kind: 'rest' | 'bridge'): { status: number; error: string } | undefined {
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
    const expectedPort = kind === 'rest' ? host?.port || '80' : String(policy.uiPort);
    const ok = o !== undefined && /^https?:$/.test(o.protocol) && host !== undefined && o.hostname.toLowerCase() === host.host && port === expectedPort;
    if (!ok) return { status: 403, error: `origin ${origin} refused: only the ocpp-sim UI may use this API` };
  }
  if (policy.required) {
    const given = tokenOf(req);
    if (given === undefined || !sameText(given, policy.token)) {
      return { status: 401, error: given === undefined ? 'token required: send Authorization: Bearer <token> or ?token=<token>' : 'wrong token' };
    }
  }
  return undefined;
}
