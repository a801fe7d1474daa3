/**
 * The security side of one charge point's model (OCPP 1.6 Security Whitepaper): the security
 * log, security events with guaranteed delivery, installed certificates, the key of a pending
 * certificate signing request, and the status of log uploads and signed firmware updates.
 * @module
 */
import { Runs } from '../../files/transfers';
import type { Ocpp16Messages } from '../../ocpp/v16/types';
import { CertificateStore } from '../model/certificate-store';
import { Journal } from '../model/journal';
import type { Station } from './station';

/** Security event types of the whitepaper (edition 3, §2). */
export type SecurityEventType =
  | 'FirmwareUpdated'
  | 'FailedToAuthenticateAtCentralSystem'
  | 'CentralSystemFailedToAuthenticate'
  | 'SettingSystemTime'
  | 'StartupOfTheDevice'
  | 'ResetOrReboot'
  | 'SecurityLogWasCleared'
  | 'ReconfigurationOfSecurityParameters'
  | 'MemoryExhaustion'
  | 'InvalidMessages'
  | 'AttemptedReplayAttacks'
  | 'TamperDetectionActivated'
  | 'InvalidFirmwareSignature'
  | 'InvalidFirmwareSigningCertificate'
  | 'InvalidCentralSystemCertificate'
  | 'InvalidChargePointCertificate'
  | 'InvalidTLSVersion'
  | 'InvalidTLSCipherSuite';

type LogStatus = Ocpp16Messages['LogStatusNotification']['request']['status'];
type SignedFirmwareStatus = Ocpp16Messages['SignedFirmwareStatusNotification']['request']['status'];

/** Security state and events of one charge point. */
export class StationSecurity {
  /** Security events raised, newest last (the SecurityLog of GetLog). */
  readonly log = new Journal(100);
  /** Installed root certificates. */
  readonly certificates: CertificateStore;
  /** Private key (PEM) of the last CSR sent with SignCertificate, awaiting CertificateSigned. */
  pendingKey: string | undefined;
  /** Status of the last GetLog upload (ExtendedTriggerMessage LogStatusNotification). */
  logStatus: { status: LogStatus; requestId?: number } = { status: 'Idle' };
  /** Status of the last SignedUpdateFirmware, once there was one. */
  signedFirmware: { status: SignedFirmwareStatus; requestId?: number } | undefined;
  private readonly runs = new Runs<'log' | 'firmware'>();

  /**
   * Create the security state of a station.
   * @param station The model it belongs to.
   */
  constructor(private readonly station: Station) {
    this.certificates = new CertificateStore(() => station.config.int('CertificateStoreMaxLength'), () => station.onChange?.());
  }

  /**
   * Start a GetLog upload or a signed firmware update, superseding the previous one of its kind
   * (AcceptedCanceled): the old run sees its check turn false and stops reporting.
   * @param kind Which kind of run.
   * @returns True while this run is the current one.
   */
  startRun(kind: 'log' | 'firmware'): () => boolean {
    return this.runs.start(kind);
  }

  /**
   * Record a security event and, when security events are automatic, queue a
   * SecurityEventNotification for guaranteed delivery (sent once online, kept while offline).
   * @param type Event type.
   * @param techInfo Optional detail (at most 255 characters are sent).
   */
  raise(type: SecurityEventType, techInfo?: string): void {
    const at = this.station.now();
    this.log.record(at, 'security', techInfo ? `${type}: ${techInfo}` : type);
    this.station.link.emit('securityEvent', type, techInfo);
    if (!this.station.automation.securityEvents) return;
    const payload: Ocpp16Messages['SecurityEventNotification']['request'] = { type, timestamp: new Date(at).toISOString() };
    if (techInfo) payload.techInfo = techInfo.slice(0, 255);
    this.station.queue.push('SecurityEventNotification', payload as never);
  }
}
