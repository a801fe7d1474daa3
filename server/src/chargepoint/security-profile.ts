/**
 * What a charge point presents when it connects, by security profile (OCPP 1.6 Security
 * Whitepaper §2): 0 as the URL says; 1 HTTP Basic over ws; 2 TLS (server verified) plus Basic;
 * 3 mutual TLS with the charge point's client certificate and no password. Basic auth's user is
 * the charge point id and its password the `AuthorizationKey`, sent as its hex text or as the
 * raw bytes it encodes (implementations differ).
 * @module
 */
import tls from 'node:tls';
import { splitUserInfo, type TlsOptions } from '../transport/client';

/** How the AuthorizationKey goes into the Basic-auth password. */
export type AuthorizationKeyEncoding = 'hex' | 'raw';

/** Everything that decides how to connect. */
export interface SecurityInputs {
  /** The URL the charge point was given. */
  target: URL;
  /** URL to use at profile 2 and 3 when `target` is `ws://` (default: the same with `wss://`). */
  secureUrl?: string;
  /** Current `SecurityProfile` (0–3). */
  profile: number;
  /** Current `AuthorizationKey` (hex; empty when unset). */
  authorizationKey: string;
  /** How the AuthorizationKey is sent. */
  encoding: AuthorizationKeyEncoding;
  /** A password given directly (used when no AuthorizationKey is set). */
  password?: string | Buffer;
  /** TLS options given by the user (CA list, verification switch). */
  tls: TlsOptions;
  /** The client certificate and key (PEM), when the keystore has one. */
  certificate?: { key: string; cert: string };
  /** Installed CentralSystemRootCertificates (PEM), trusted in addition. */
  installedRoots: readonly string[];
}

/** How one connection attempt is made. */
export interface ConnectionSettings {
  /** URL to dial (without user-info). */
  url: URL;
  /** Basic-auth credentials, if any. */
  basicAuth?: { username: string; password: string | Buffer };
  /** TLS options for `wss://`. */
  tls: TlsOptions;
}

/** The profile a charge point starts with, judged from how it was set up. */
export function initialSecurityProfile(target: URL, hasPassword: boolean, hasCertificate: boolean): number {
  if (target.protocol === 'wss:') return hasPassword ? 2 : hasCertificate ? 3 : 0;
  return hasPassword ? 1 : 0;
}

/**
 * The settings of the next connection attempt.
 * @param id Charge point id (the Basic-auth user name).
 * @param i See {@link SecurityInputs}.
 */
export function connectionSettings(id: string, i: SecurityInputs): ConnectionSettings {
  const { url: bare, credentials } = splitUserInfo(i.target);
  let url = bare;
  if (i.profile >= 2 && url.protocol === 'ws:') {
    url = i.secureUrl ? splitUserInfo(new URL(i.secureUrl)).url : new URL(url.href.replace(/^ws:/, 'wss:'));
  }
  const key = i.authorizationKey ? (i.encoding === 'raw' ? Buffer.from(i.authorizationKey, 'hex') : i.authorizationKey) : undefined;
  const password = key ?? i.password;
  const basicAuth = i.profile === 3 ? undefined : password !== undefined ? { username: id, password } : credentials;
  const settings: TlsOptions = { ...i.tls };
  if (i.installedRoots.length > 0) settings.ca = [...caList(i.tls.ca), ...i.installedRoots];
  // Profile 3 always presents the certificate; below it, a keystore entry is presented on wss:// anyway (earlier tool's behaviour).
  if (i.certificate && url.protocol === 'wss:') Object.assign(settings, i.certificate);
  return { url, basicAuth, tls: settings };
}

/** The verification opt-out is announced once per process, not once per charge point of a fleet. */
let insecureWarned = false;

/**
 * Warn (once per process) when a `wss://` connection is about to skip certificate and host-name
 * verification (`--insecure`).
 * @param settings The attempt's settings.
 * @param warn Where the line goes.
 */
export function warnIfInsecure(settings: ConnectionSettings, warn: (line: string) => void): void {
  if (settings.url.protocol !== 'wss:' || settings.tls.rejectUnauthorized !== false || insecureWarned) return;
  insecureWarned = true;
  warn('TLS certificate and host-name verification is OFF: any server can impersonate the CSMS (lab use only)');
}

function caList(ca: TlsOptions['ca']): (string | Buffer)[] {
  if (ca === undefined) return [...tls.rootCertificates];
  return Array.isArray(ca) ? ca : [ca];
}
