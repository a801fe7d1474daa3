/**
 * How a 2.0.1 station reaches its CSMS: the network profile due (B10), its security profile
 * (A00), the trusted roots of a CSMS root renewal (M05), and the security events of failed
 * attempts. The station's face owns the socket once it is open.
 */
import type WebSocket from 'ws';
import * as extras from '../../chargepoint/extras';
import { connectionSettings, warnIfInsecure } from '../../chargepoint/security-profile';
import { isIssuedBy } from '../../security/certificates';
import { openSocket, securityFailure, type SecurityFailure, type TlsOptions } from '../../transport/client';
import type { NetworkPlan, NetworkTarget } from './network';
import { rootAttempts, verifiedWith } from './root-rollover';
import type { SecurityEvent201, StationModel } from './station';

/** The security event a failed connection raises (A00.FR.311/414: InvalidCsmsCertificate, A00.FR.417: InvalidTLSVersion; InvalidTLSCipherSuite from the security events list). */
const FAILURE_EVENTS: Record<SecurityFailure, SecurityEvent201> = {
  serverCertificate: 'InvalidCsmsCertificate',
  tlsVersion: 'InvalidTLSVersion',
  cipherSuite: 'InvalidTLSCipherSuite',
  authentication: 'FailedToAuthenticateAtCsms',
};

/** One station's connection attempts. */
export class StationDialer {
  /** Where the attempt in progress goes. */
  private dialled: NetworkTarget | undefined;
  /** Security events already raised since the last successful connection (one per streak of failures). */
  private readonly reportedFailures = new Set<SecurityFailure>();

  /**
   * @param id Station id (keystore entry, Basic-auth user).
   * @param station The model (BasicAuthPassword, installed roots, security events).
   * @param network The connection profiles in priority order.
   * @param tls TLS options given by the user (`--ca`, `--insecure`).
   * @param warn Where warnings go (the station's `warning` event).
   */
  constructor(
    private readonly id: string,
    private readonly station: StationModel,
    private readonly network: NetworkPlan,
    private readonly tls: TlsOptions | undefined,
    private readonly warn: (line: string) => void,
  ) {}

  /**
   * One connection attempt through the network profile due (B10), with its security profile
   * (A00): Basic auth with `BasicAuthPassword` at 1 and 2, TLS with the installed
   * CSMSRootCertificates trusted besides the given CAs at 2 and 3, the keystore's client
   * certificate at 3. During a CSMS root renewal the new root is tried first, then the fallback (M05.FR.13/14).
   * @param protocols Subprotocols to offer.
   */
  async dial(protocols: readonly string[]): Promise<WebSocket> {
    const target = (this.dialled = this.network.next());
    const password = this.station.device.str('SecurityCtrlr', 'BasicAuthPassword');
    const secure = target.securityProfile >= 2 || target.url.protocol === 'wss:';
    const element = secure ? extras.keystoreFor(this.id).get() : undefined;
    const certificate = element ? await extras.readKeyStoreElement(element) : undefined;
    const attempts = rootAttempts(this.station);
    for (const [i, roots] of attempts.entries()) {
      const settings = connectionSettings(this.id, {
        target: target.url,
        profile: target.securityProfile,
        authorizationKey: '',
        encoding: 'hex',
        password: password || undefined,
        // A renewed root is certified by the old one, not self-signed: it must be a trust anchor on its own.
        tls: { ...this.tls, allowPartialTrustChain: roots.some((root) => !isIssuedBy(root, root)) },
        certificate,
        installedRoots: roots,
      });
      warnIfInsecure(settings, this.warn);
      try {
        const ws = await openSocket(settings.url, { protocols: [...protocols], basicAuth: settings.basicAuth, tls: settings.tls });
        if (settings.url.protocol === 'wss:') verifiedWith(this.station, roots);
        return ws;
      } catch (err) {
        if (i === attempts.length - 1 || securityFailure(err as Error) !== 'serverCertificate') throw err;
        this.warn(`CSMS root renewal: the server certificate does not verify with the new CSMS root, trying the fallback root (${(err as Error).message})`);
      }
    }
    throw new Error('unreachable: no trusted-root set to try');
  }

  /** The socket of the last attempt opened: its profile is the one in use, failures start anew. */
  connected(): void {
    if (this.dialled) this.network.connected(this.dialled);
    this.reportedFailures.clear();
  }

  /**
   * A failed attempt counts against its network profile; a refused certificate, TLS version or
   * password is a security event, queued until a connection succeeds.
   * @param err Why the attempt failed.
   */
  failed(err: unknown): void {
    if (this.dialled) this.network.failed();
    const failure = securityFailure(err as { code?: string; message?: string });
    if (!failure || this.reportedFailures.has(failure)) return;
    this.reportedFailures.add(failure);
    this.station.raise(FAILURE_EVENTS[failure], (err as Error).message);
  }
}
