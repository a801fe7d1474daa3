/**
 * Opens the charge point's WebSocket to a central system: subprotocol offer and check,
 * HTTP Basic auth (security profile 1), TLS options (profiles 2 and 3), and failures turned into
 * one readable line.
 * @module
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import WebSocket from 'ws';
import { OcppConnectionError } from '../ocpp/errors';
import { MAX_WS_PAYLOAD } from './socket';

/** TLS settings for `wss://` (security profiles 2 and 3). */
export interface TlsOptions {
  /** Extra trusted CA certificates (PEM), added to the system's. */
  ca?: string | Buffer | (string | Buffer)[];
  /** Client certificate chain (PEM), for profile 3. */
  cert?: string | Buffer;
  /** Client private key (PEM), for profile 3. */
  key?: string | Buffer;
  /** Verify the server certificate and host name (default true). Turning it off is for labs only. */
  rejectUnauthorized?: boolean;
  /** Trust a CA certificate of `ca` that is not self-signed as an anchor of its own (a renewed, cross-signed root). */
  allowPartialTrustChain?: boolean;
  /** TLS 1.2 cipher suites to offer (OpenSSL list); default the four of the security profiles (`OCPP_TLS12_CIPHERS`). Widening it is for a CSMS outside the rule. */
  ciphers?: string;
}

/**
 * The TLS 1.2 cipher suites of security profiles 2 and 3 (2.0.1 A00.FR.318/319, the 1.6 security
 * whitepaper; TC_A_04 and TC_086 check them), OpenSSL's names: ECDHE-ECDSA or RSA key exchange
 * with AES-GCM. TLS 1.3 keeps its own suites, all of them AEAD.
 */
export const OCPP_TLS12_CIPHERS = 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:AES128-GCM-SHA256:AES256-GCM-SHA384';

/**
 * Check a cipher list the way the TLS stack will read it; a readable error when OpenSSL knows
 * none of its suites.
 * @param list OpenSSL cipher list (`--tls-ciphers`).
 */
export function checkCipherList(list: string): string {
  try {
    tls.createSecureContext({ ciphers: list });
  } catch {
    throw new OcppConnectionError('InvalidCiphers', `'${list}' names no TLS cipher suite this OpenSSL knows (expected an OpenSSL list such as ${OCPP_TLS12_CIPHERS})`);
  }
  return list;
}

/** How to open the socket. */
export interface SocketOptions {
  /**
   * Subprotocols to offer, in order of preference (`['ocpp2.0.1', 'ocpp1.6']`); the server picks
   * one, and the opened socket's `protocol` says which.
   */
  protocols: string[];
  /** HTTP Basic credentials; the URL's user-info is used when absent. */
  basicAuth?: { username: string; password: string | Buffer };
  /** TLS settings for `wss://`. */
  tls?: TlsOptions;
  /** Extra HTTP headers for the upgrade request. */
  headers?: Record<string, string>;
  /** Give up when the handshake takes longer (ms, default 10000). */
  handshakeTimeoutMs?: number;
}

/** Split a connect URL into the URL to dial (without user-info) and its Basic credentials. */
export function splitUserInfo(url: URL): { url: URL; credentials?: { username: string; password: string } } {
  if (!url.username && !url.password) return { url };
  const bare = new URL(url.href);
  bare.username = '';
  bare.password = '';
  return { url: bare, credentials: { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) } };
}

/** Parse and check a connect URL; a readable error for anything that is not ws:// or wss://. */
export function parseSocketUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new OcppConnectionError('InvalidUrl', `'${text}' is not a valid URL (expected ws://host:port/path/CP_ID)`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new OcppConnectionError('InvalidUrl', `'${text}' must start with ws:// or wss://`);
  }
  return url;
}

/** OpenSSL / Node codes of a server certificate the client refused. */
const CERTIFICATE_FAILURES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** True when a connection failed because the server's certificate was refused. @param code The error code. */
export function certificateFailure(code: string): boolean {
  return CERTIFICATE_FAILURES.has(code);
}

/** How OpenSSL words a handshake refused over the protocol version (below TLS 1.2); Node reports it as code EPROTO. */
const TLS_VERSION_FAILURE = /unsupported protocol|alert protocol version|wrong version number|no protocols available/i;

/**
 * The code of a TLS handshake the server refused before any key was agreed: it shares no cipher
 * suite (or no other parameter) with the client. OpenSSL words it as the generic
 * `handshake_failure` alert, the same one a TLS 1.2 server sends later for a missing client
 * certificate; the client tells them apart by whether keys were agreed before the alert.
 */
export const NO_SHARED_CIPHER = 'TLS_NO_SHARED_CIPHER';

const HANDSHAKE_FAILURE = 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE';

/** What a failed connection says about the security of the link, for the security event to raise. */
export type SecurityFailure = 'serverCertificate' | 'tlsVersion' | 'cipherSuite' | 'authentication';

/**
 * Classify a connection failure: a refused server certificate, a TLS version below 1.2, no
 * shared cipher suite, or a refused Basic-auth password (HTTP 401); undefined for anything else.
 * @param err The error (`OcppConnectionError`: its code and message).
 */
export function securityFailure(err: { code?: string; message?: string }): SecurityFailure | undefined {
  const code = err.code ?? '';
  if (certificateFailure(code)) return 'serverCertificate';
  if (code === NO_SHARED_CIPHER) return 'cipherSuite';
  if (code === 'EPROTO' || code.startsWith('ERR_SSL_')) {
    if (TLS_VERSION_FAILURE.test(err.message ?? '')) return 'tlsVersion';
  }
  return code === 'HTTP401' ? 'authentication' : undefined;
}

/**
 * Codes of a plain `ws://` handshake that met a TLS server: it hangs up on the HTTP request, or
 * answers it with a TLS alert that is no HTTP (Node's parser: `HPE_INVALID_CONSTANT`).
 */
const PLAIN_TO_TLS = new Set(['ECONNRESET', 'HPE_INVALID_CONSTANT', 'HPE_INVALID_VERSION']);

/** TLS alerts of a server that wanted a client certificate and got none (TLS 1.3 `certificate_required`, TLS 1.2 `handshake_failure` after the key exchange). */
const CERTIFICATE_REQUIRED = new Set(['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', HANDSHAKE_FAILURE]);

/** What the client presented, for the hints of a refusal. */
interface Presented {
  /** A client certificate (security profile 3). */
  certificate: boolean;
  /** HTTP Basic credentials (profiles 1 and 2). */
  password: boolean;
}

/**
 * The hint of an HTTP 401 answer to the upgrade. On `wss://` without a client certificate the
 * CSMS may well want one (security profile 3): a password it may not even have looked at is
 * then not what to check first.
 */
function unauthorizedHint(url: URL, presented: Presented): string {
  if (url.protocol !== 'wss:' || presented.certificate) return presented.password ? 'check the Basic-auth password' : 'the CSMS wants credentials: a Basic-auth password (--password)';
  const certificate = 'a client certificate (security profile 3): none was presented; give one with --keyStore or keyStoreElement';
  return presented.password ? `the CSMS may require ${certificate}; else check the Basic-auth password` : `the CSMS wants ${certificate}, or a Basic-auth password`;
}

/**
 * Whether a TLS server listens at the URL's host and port: a handshake is tried (certificate not
 * checked, nothing sent after it). Only asked after a plain `ws://` handshake was cut off.
 */
function speaksTls(url: URL): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 80), servername: net.isIP(url.hostname) ? undefined : url.hostname, rejectUnauthorized: false });
    const done = (yes: boolean): void => {
      socket.destroy();
      resolve(yes);
    };
    socket.setTimeout(2_000, () => done(false));
    socket.once('secureConnect', () => done(true));
    // A server that asks for a client certificate may refuse the handshake with an alert: TLS all the same.
    socket.once('error', (err: Error & { code?: string }) => done(err.code?.startsWith('ERR_SSL_') === true && /ALERT/.test(err.code)));
  });
}

/** One line for a failed handshake; a plain `ws://` one cut off by a TLS server says to use `wss://`. */
async function explainFailure(url: URL, err: Error & { code?: string }): Promise<string> {
  if (url.protocol === 'ws:' && PLAIN_TO_TLS.has(err.code ?? '') && (await speaksTls(url))) {
    return `${url.href} is a TLS port (the plain handshake got: ${err.message}): connect with ${url.href.replace(/^ws:/, 'wss:')}`;
  }
  return describeFailure(url.href, err);
}

function describeFailure(url: string, err: Error & { code?: string }): string {
  if (err.code === NO_SHARED_CIPHER) {
    return `TLS: ${url} refused the handshake before any key was agreed: it shares no cipher suite with this charge point; OCPP's security profiles offer TLS 1.3 or, on TLS 1.2, only ${OCPP_TLS12_CIPHERS.replaceAll(':', ', ')}: enable one on the CSMS, or widen the list with --tls-ciphers`;
  }
  if (CERTIFICATE_REQUIRED.has(err.code ?? '')) {
    return `TLS: ${url} refused the handshake (${err.code}): it requires a client certificate (security profile 3); give one with --keyStore or keyStoreElement`;
  }
  if (err.code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `TLS: the certificate of ${url} does not name this host (${err.message}); connect by a name the certificate lists`;
  }
  if (certificateFailure(err.code ?? '')) {
    return `TLS: the certificate of ${url} is not trusted (${err.code}: ${err.message}); trust its CA with --ca FILE, --cadir DIR or SSL_CERT_FILE`;
  }
  switch (err.code) {
    case 'ECONNREFUSED':
      return `connection to ${url} refused: nothing listens there (start a CSMS, or use --with-csms)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve the host of ${url}`;
    default:
      return `cannot connect to ${url}: ${err.message}`;
  }
}

// Module-level, so the open socket does not keep the handshake's closure scope alive.
const ignore = (): void => undefined;

/** A TLS socket for `ws` that notes when the handshake agreed its keys (the `keylog` event, TLS 1.2 and 1.3). */
function tlsConnectNotingKeys(agreed: { keys: boolean }): (options: tls.ConnectionOptions) => tls.TLSSocket {
  return (options) => {
    // What ws's own connector does: no path, SNI from a host name only (RFC 6066 §3).
    const socket = tls.connect({ ...options, path: undefined, servername: options.servername || (net.isIP(options.host ?? '') ? '' : options.host) });
    socket.once('keylog', () => (agreed.keys = true));
    return socket;
  };
}

/**
 * Name a handshake_failure alert by when it came: before any key was agreed, no shared cipher
 * suite; after, a refused (or missing) client certificate. Node reports the alert as
 * `ERR_SSL_…` when reading, as `EPROTO` when it met a write.
 */
function withHandshakeVerdict(err: Error & { code?: string }, keysAgreed: boolean): Error & { code?: string } {
  if (err.code !== HANDSHAKE_FAILURE && !/alert handshake failure/i.test(err.message)) return err;
  return Object.assign(new Error(err.message), { code: keysAgreed ? HANDSHAKE_FAILURE : NO_SHARED_CIPHER });
}

/**
 * Open a WebSocket and resolve once the OCPP handshake succeeded; reject with a readable error.
 * The socket's `protocol` is the negotiated subprotocol, one of `options.protocols`. A server
 * that speaks none of them (it completes the handshake without a subprotocol, OCPP-J §3.1.2)
 * rejects with code `NoSubprotocol`: retrying cannot help until one side is reconfigured.
 */
export function openSocket(target: URL, options: SocketOptions): Promise<WebSocket> {
  const { url, credentials } = splitUserInfo(target);
  const auth = options.basicAuth ?? credentials;
  const headers: Record<string, string> = { ...options.headers };
  if (auth) {
    const user = Buffer.from(`${auth.username}:`);
    const pass = typeof auth.password === 'string' ? Buffer.from(auth.password) : auth.password;
    headers.Authorization = `Basic ${Buffer.concat([user, pass]).toString('base64')}`;
  }
  const shown = url.href;
  const agreed = { keys: false };
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options.protocols, {
      headers,
      handshakeTimeout: options.handshakeTimeoutMs ?? 10_000,
      maxPayload: MAX_WS_PAYLOAD,
      perMessageDeflate: false,
      ...options.tls,
      ciphers: options.tls?.ciphers ?? OCPP_TLS12_CIPHERS,
      // Explicit: left undefined, tls.connect would take it from NODE_TLS_REJECT_UNAUTHORIZED.
      rejectUnauthorized: options.tls?.rejectUnauthorized !== false,
      ...(url.protocol === 'wss:' && { createConnection: tlsConnectNotingKeys(agreed) as unknown as typeof net.createConnection }),
    });
    const fail = (code: string, message: string): void => {
      ws.removeAllListeners();
      ws.on('error', () => undefined);
      ws.terminate();
      reject(new OcppConnectionError(code, message, { url: shown }));
    };
    const presented: Presented = { certificate: options.tls?.cert !== undefined, password: auth !== undefined };
    ws.once('unexpected-response', (_req: ClientRequest, res: IncomingMessage) => {
      const hint = res.statusCode === 401 ? ` (${unauthorizedHint(url, presented)})` : res.statusCode === 404 ? ' (the CSMS does not know this charge point id)' : '';
      fail(`HTTP${res.statusCode}`, `${shown} answered the upgrade with HTTP ${res.statusCode} ${res.statusMessage ?? ''}`.trimEnd() + hint);
    });
    // ws checks the answer's subprotocol after 'upgrade': remember whether the server chose one.
    let chosen: string | undefined;
    ws.once('upgrade', (res: IncomingMessage) => (chosen = String(res.headers['sec-websocket-protocol'] ?? '')));
    ws.once('error', (err) => {
      if (chosen === '' && options.protocols.length > 0) {
        fail('NoSubprotocol', `${shown} accepted no subprotocol of those offered (${options.protocols.join(', ')}): it does not speak this OCPP version`);
      } else if (chosen !== undefined && !options.protocols.includes(chosen)) {
        // RFC 6455 §4.1: a subprotocol the client did not offer fails the connection; a retry would get the same.
        fail('NoSubprotocol', `${shown} answered with subprotocol '${chosen}', which was not offered (${options.protocols.join(', ')}): it does not speak this OCPP version`);
      } else {
        const judged = withHandshakeVerdict(err, agreed.keys);
        void explainFailure(url, judged).then((line) => fail(judged.code ?? 'ConnectFailed', line));
      }
    });
    ws.once('open', () => {
      if (!options.protocols.includes(ws.protocol)) {
        fail('SubprotocolRejected', `${shown} did not accept subprotocol ${options.protocols.join(' or ')} (got '${ws.protocol}')`);
        return;
      }
      ws.removeAllListeners('unexpected-response');
      ws.removeAllListeners('error');
      ws.on('error', ignore); // errors after open end in 'close', which the owner handles
      resolve(ws);
    });
  });
}
