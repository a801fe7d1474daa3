/**
 * How a 1.6 charge point reaches its central system (security whitepaper §2): the settings of its
 * current SecurityProfile (URL, Basic auth with the AuthorizationKey, TLS with the installed
 * CentralSystemRootCertificates, the keystore's client certificate), the fall-back to the
 * previous profile when a raised one cannot connect, and the security events of failed attempts.
 * @module
 */
import type WebSocket from 'ws';
import { OcppConnectionError } from '../ocpp/errors';
import { AUTHORIZATION_KEY } from '../ocpp/v16/protocol';
import { openSocket, securityFailure, type SecurityFailure, type TlsOptions } from '../transport/client';
import * as extras from './extras';
import type { KeyStoreElement } from './script-face';
import { connectionSettings, initialSecurityProfile, warnIfInsecure, type AuthorizationKeyEncoding } from './security-profile';
import type { SecurityEventType } from './station/security';
import type { Station } from './station/station';

/** The security event of a failed connection (1.6 security whitepaper's event list). */
const FAILURE_EVENTS: Record<SecurityFailure, SecurityEventType> = {
  serverCertificate: 'InvalidCentralSystemCertificate',
  tlsVersion: 'InvalidTLSVersion',
  cipherSuite: 'InvalidTLSCipherSuite',
  authentication: 'FailedToAuthenticateAtCentralSystem',
};

/** What the charge point was given that decides how it connects. */
export interface DialOptions {
  /** HTTP Basic password; a hex string of 32–40 digits becomes the initial AuthorizationKey. */
  password?: string | Buffer;
  /** How the AuthorizationKey is sent. */
  authorizationKeyEncoding?: AuthorizationKeyEncoding;
  /** Initial SecurityProfile (default: judged from the URL, password and client certificate). */
  securityProfile?: number;
  /** URL used at profile 2 and 3 when the given one is `ws://`. */
  secureUrl?: string;
  /** TLS options given by the user (`--ca`, `--insecure`, `--tls-ciphers`). */
  tls?: TlsOptions;
  /** A client certificate for this charge point (keystore entry). */
  keyStoreElement?: KeyStoreElement;
  /** Whether the profile sets SecurityProfile itself (then it is not judged). */
  profileSetsSecurity?: boolean;
}

/** One charge point's connection attempts. */
export class ChargepointDialer {
  /** Security profile of the last successful connection: where a raised profile falls back to. */
  private connectedProfile: number | undefined;
  /** Connection failures already reported as security events since the last successful connection. */
  private readonly reportedFailures = new Set<SecurityEventType>();

  /**
   * Set the initial keystore entry, AuthorizationKey and SecurityProfile.
   * @param id Charge point id (keystore entry, Basic-auth user).
   * @param target The URL it was given.
   * @param station The model (configuration, installed roots, security events).
   * @param options How it was set up.
   * @param warn Where warnings go (the charge point's `warning` event).
   */
  constructor(
    private readonly id: string,
    private readonly target: URL,
    private readonly station: Station,
    private readonly options: DialOptions,
    private readonly warn: (line: string) => void,
  ) {
    const config = station.config;
    if (options.keyStoreElement) extras.keystoreFor(id).add({ ...options.keyStoreElement, id });
    if (typeof options.password === 'string' && AUTHORIZATION_KEY.test(options.password) && !config.str('AuthorizationKey')) {
      config.set('AuthorizationKey', options.password);
    }
    if (options.profileSetsSecurity) return;
    const hasPassword = options.password !== undefined || target.password !== '' || config.str('AuthorizationKey') !== '';
    const hasCertificate = target.protocol === 'wss:' && extras.keystoreFor(id).get() !== undefined;
    config.set('SecurityProfile', options.securityProfile ?? initialSecurityProfile(target, hasPassword, hasCertificate));
  }

  /**
   * Open a socket with the current profile's settings. A failure is reported as a security
   * event; when a newly raised profile cannot connect, the charge point goes back to the
   * previous one (whitepaper) and tries once more.
   * @param open One attempt (the face's, which offers the subprotocols).
   */
  async connect(open: () => Promise<WebSocket>): Promise<WebSocket> {
    const config = this.station.config;
    let ws: WebSocket;
    try {
      ws = await open();
    } catch (err) {
      this.failed(err);
      const previous = this.connectedProfile;
      const raised = config.int('SecurityProfile');
      if (previous === undefined || previous >= raised) throw err;
      this.warn(`cannot connect at security profile ${raised} (${(err as Error).message}); falling back to profile ${previous}`);
      config.set('SecurityProfile', previous);
      ws = await open();
    }
    this.connectedProfile = config.int('SecurityProfile');
    this.reportedFailures.clear();
    return ws;
  }

  /** One connection attempt with the settings of the current security profile. @param protocols Subprotocols to offer. */
  async dial(protocols: readonly string[]): Promise<WebSocket> {
    const o = this.options;
    const config = this.station.config;
    const profile = config.int('SecurityProfile');
    // The keystore is consulted on every connect, so a certificate saved after renewal is presented on reconnect.
    const element = this.target.protocol === 'wss:' || profile >= 2 ? extras.keystoreFor(this.id).get() : undefined;
    const settings = connectionSettings(this.id, {
      target: this.target,
      secureUrl: o.secureUrl,
      profile,
      authorizationKey: config.str('AuthorizationKey'),
      encoding: o.authorizationKeyEncoding ?? 'hex',
      password: o.password,
      tls: { ...o.tls },
      certificate: element ? await extras.readKeyStoreElement(element) : undefined,
      installedRoots: this.station.security.certificates.pems('CentralSystemRootCertificate'),
    });
    warnIfInsecure(settings, this.warn);
    if (profile === 3 && !settings.tls.cert) throw new OcppConnectionError('NoClientCertificate', `security profile 3 needs a client certificate for ${this.id}: pass a keyStoreElement, --keyStore or SSL_CLIENT_KEYSTORE`);
    return openSocket(settings.url, { protocols: [...protocols], basicAuth: settings.basicAuth, tls: settings.tls });
  }

  /** A refused server certificate, TLS version, cipher suite or password becomes a security event, once per streak of failures. */
  private failed(err: unknown): void {
    const failure = securityFailure(err as { code?: string; message?: string });
    const type = failure && FAILURE_EVENTS[failure];
    if (!type || this.reportedFailures.has(type)) return;
    this.reportedFailures.add(type);
    this.station.security.raise(type, (err as Error).message);
  }
}
