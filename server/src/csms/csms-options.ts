/**
 * The mock CSMS's options and what it tells about the charge points it serves (connected
 * stations, CSR signing outcomes, per-action handlers).
 * @module
 */
import type WebSocket from 'ws';
import type { CallHandler, InboundCall, RpcEndpoint } from '../ocpp/endpoint';
import type { ProtocolVersion } from '../ocpp/protocol';
import type { CsmsDialect } from './dialect';
import type { ValidationMode } from '../ocpp/validator';
import type { Authenticator } from '../transport/server';
import type { DisciplineOptions } from './discipline';
import type { PolicyOptions } from './policy';
import type { ProbeOptions } from './probes';

/**
 * Answers one charge-point-initiated action for every charge point: like a {@link CallHandler},
 * and told which charge point called.
 */
export type CsmsCallHandler = (call: InboundCall, station: ConnectedStation) => unknown;

/**
 * Options of the mock CSMS. The {@link PolicyOptions} (boot status and sequence, auth mode,
 * whitelist, blacklist, offline) decide BootNotification, Authorize and the idTagInfo of
 * Start/StopTransaction.
 */
export interface MockCsmsOptions extends PolicyOptions {
  /**
   * Order rules (default on): CALLs before an Accepted boot get `SecurityError`,
   * StatusNotification before any boot `GenericError`; `false` for lenient testing.
   */
  discipline?: DisciplineOptions | boolean;
  /** Conformance probes (default on); `false` switches them off. */
  probes?: ProbeOptions | false;
  /** Port (default 8100; 0 picks a free one). */
  port?: number;
  /**
   * OCPP versions served, in order of preference (`ocpp2.0.1` or `2.0.1`, `ocpp1.6` or `1.6`);
   * each connection speaks the first of these its charge point offered. Default: both, 2.0.1 first.
   */
  protocols?: string[];
  /**
   * Time a charge point has for each step of its handshake, in ms (default 10000): TLS, the
   * upgrade request's headers (else HTTP 408), the Basic-auth decision (else HTTP 503).
   */
  handshakeTimeoutMs?: number;
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /** Heartbeat interval handed out at boot, in seconds (default 300). */
  heartbeatInterval?: number;
  /** Schema validation per direction (default strict both ways). */
  validation?: { inbound?: ValidationMode; outbound?: ValidationMode };
  /** Timeout of calls to charge points in ms (default 15000). */
  responseTimeoutMs?: number;
  /**
   * Custom HTTP Basic-auth check; replaces the {@link MockCsmsOptions.password} check (client
   * certificates are still required when configured).
   */
  authenticate?: Authenticator;
  /** Serve `wss://` (TLS 1.2+). */
  tls?: {
    /** Server private key, PEM. */
    key: string | Buffer;
    /** Server certificate (chain), PEM. */
    cert: string | Buffer;
    /** CAs client certificates must chain to (default: the `pki` CA, if any). */
    ca?: string | Buffer | (string | Buffer)[];
    /** Security profile 3: refuse (HTTP 401) charge points without a valid client certificate. */
    requireClientCert?: boolean;
  };
  /**
   * Basic-auth password for every charge point (user name = charge point id). Accepted as sent
   * in text, or, when it is 32–40 hex digits (an AuthorizationKey), also as the bytes it encodes:
   * 1.6 profile 1/2 implementations differ. Not asked of a charge point whose client certificate
   * verified (profile 3).
   */
  password?: string;
  /**
   * Passwords per charge point id, taking precedence over `password`. A ChangeConfiguration of
   * `AuthorizationKey` sent with {@link MockCsms.call} and answered Accepted updates the entry.
   */
  passwords?: Record<string, string>;
  /**
   * Keep the CSMS's records in this directory, as a central system keeps them in its database:
   * registered charge points with their boot data, open and finished transactions, connector
   * statuses, latest meter values, the transaction and request id counters. A CSMS restarted on
   * the same directory carries on where it stopped (also after a SIGKILL: a change is written
   * before the CALLRESULT that acknowledges it). Default: none (everything is in memory).
   */
  stateDir?: string;
  /** CA that signs charge-point CSRs: SignCertificate is then followed by CertificateSigned. */
  pki?: {
    /** CA certificate, PEM. */
    cert: string;
    /** CA private key, PEM. */
    key: string;
    /** Validity of the certificates issued, in days (default 365). */
    days?: number;
  };
}

/** A connected charge point as the CSMS sees it. */
export interface ConnectedStation {
  /** Charge point identity. */
  id: string;
  /** The OCPP version of its connection, as negotiated (`protocol.subprotocol`). */
  protocol: ProtocolVersion;
  /** The same, short: `1.6`, `2.0.1`. */
  version: string;
  /** How the CSMS speaks that version. */
  dialect: CsmsDialect;
  /** The RPC endpoint of its connection. */
  endpoint: RpcEndpoint;
  /** The socket. */
  ws: WebSocket;
  /** When it connected (ms since epoch). */
  connectedAt: number;
  /** The peer's address and port, e.g. `127.0.0.1:52114` or `[::1]:52114`. */
  address: string;
  /** The client certificate it presented (TLS only; asked for on every TLS connection, required with `requireClientCert`). */
  peerCertificate?: {
    /** Subject common name. */
    subject: string;
    /** Serial number, hex. */
    serialNumber: string;
    /** SHA-256 fingerprint, colon-separated hex. */
    fingerprint256: string;
    /** Issuer common name. */
    issuer: string;
    /** The certificate, PEM. */
    pem: string;
  };
  /** TLS only: whether its client certificate verified against the CSMS's CAs. */
  authorized?: boolean;
}

/** The outcome of one SignCertificate handled with the CSMS's CA (event `certificateSigned`). */
export interface CertificateSigningResult {
  /** The CSR the charge point sent. */
  csr: string;
  /** The chain sent in CertificateSigned (absent when the CSR was rejected). */
  certificateChain?: string;
  /** The charge point's answer to CertificateSigned (`Accepted` / `Rejected`). */
  status?: string;
  /** Why signing or delivery failed. */
  error?: string;
}
