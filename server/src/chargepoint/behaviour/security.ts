/**
 * Default answers of the OCPP 1.6 security extension (Security Whitepaper edition 3):
 * ExtendedTriggerMessage, the charge point certificate (SignCertificate / CertificateSigned,
 * TC_074, TC_077), root certificates (InstallCertificate, DeleteCertificate,
 * GetInstalledCertificateIds, TC_075, TC_076, TC_078), GetLog (TC_079) and SignedUpdateFirmware
 * (TC_080, TC_081). Each answers first and does the work in its follow-up; what goes wrong is
 * reported as the whitepaper's security event.
 * @module
 */
import { OcppError } from '../../ocpp/errors';
import type { Ocpp16Messages } from '../../ocpp/v16/types';
import { runFirmwareUpdate, signingCertificateProblem, updateRunning } from '../../files/firmware-update';
import { logFileName, runLogUpload, uploadable } from '../../files/log-upload';
import { reportedStatus } from '../../files/transfers';
import { generateCsr, signedChainProblem, splitPemChain } from '../../security/certificates';
import { keystoreFor } from '../../security/keystore';
import { Journal } from '../model/journal';
import type { Station } from '../station/station';
import { TRIGGERS, triggerOutcome, type TriggerSender } from './remote-trigger';
import { supports, type BehaviourContext, type Behaviours } from './types';

type Req<A extends keyof Ocpp16Messages> = Ocpp16Messages[A]['request'];
type ExtendedRequested = Req<'ExtendedTriggerMessage'>['requestedMessage'];
type SignedStatus = Req<'SignedFirmwareStatusNotification'>['status'];
type LogStatus = Req<'LogStatusNotification'>['status'];

/**
 * The subject of the charge point's CSR (whitepaper §A.1.3, security profile 3): O = CpoName
 * (the profile's vendor while CpoName is empty), CN = the charge point's serial number.
 * @param station The charge point.
 */
export function defaultCsrSubject(station: Station): { O: string; CN: string } {
  return { O: station.config.str('CpoName') || station.profile.vendor, CN: station.profile.serialNumber };
}

/**
 * Make a key pair and CSR and send SignCertificate; the key waits in `security.pendingKey` for
 * CertificateSigned unless the CSMS refuses to sign.
 * @param station The charge point.
 * @param triggered True when the CSMS asked for it (may be sent while Pending).
 */
export async function requestChargePointCertificate(station: Station, triggered = true): Promise<void> {
  const { key, csr } = await generateCsr(defaultCsrSubject(station));
  station.security.pendingKey = key;
  const answer = await station.notify('SignCertificate', { csr }, triggered);
  if (answer?.status !== 'Accepted' && station.security.pendingKey === key) station.security.pendingKey = undefined;
}

/** Whether the last firmware update was a signed one (UpdateFirmware clears `signedFirmware`). */
function signedFirmwareIsLatest(station: Station): boolean {
  return station.security.signedFirmware !== undefined;
}

/** ExtendedTriggerMessage: TriggerMessage's senders plus the security extension's own. */
const EXTENDED_TRIGGERS: Readonly<Record<ExtendedRequested, TriggerSender>> = {
  BootNotification: TRIGGERS.BootNotification,
  Heartbeat: TRIGGERS.Heartbeat,
  MeterValues: TRIGGERS.MeterValues,
  StatusNotification: TRIGGERS.StatusNotification,
  FirmwareStatusNotification: (ctx, connectorId) => {
    const { station } = ctx;
    if (!signedFirmwareIsLatest(station)) return TRIGGERS.FirmwareStatusNotification(ctx, connectorId);
    return station.notify('SignedFirmwareStatusNotification', reportedStatus(station.security.signedFirmware!), true);
  },
  LogStatusNotification: ({ station }) => station.notify('LogStatusNotification', reportedStatus(station.security.logStatus), true),
  SignChargePointCertificate: ({ station }) => requestChargePointCertificate(station),
};

/** Security actions answer CALLERROR NotSupported when the profile is switched off. */
function requireSecurity(station: Station, action: string): void {
  if (!supports(station, 'Security')) throw new OcppError('NotSupported', `${action}: the Security profile is not supported`);
}

/** Why a CertificateSigned chain is refused, or undefined when it is acceptable. */
function chainProblem(station: Station, chain: string): string | undefined {
  const key = station.security.pendingKey;
  if (!key) return 'no certificate signing request is pending';
  const max = station.config.int('CertificateSignedMaxChainSize');
  if (chain.length > max) return `chain of ${chain.length} characters exceeds CertificateSignedMaxChainSize (${max})`;
  return signedChainProblem(chain, key, station.now());
}

/** GetLog's file: the security log or the journal within the window, one line per entry. */
function logContent(station: Station, logType: Req<'GetLog'>['logType'], oldest?: string, latest?: string): string {
  const from = oldest ? Date.parse(oldest) : undefined;
  const to = latest ? Date.parse(latest) : undefined;
  const journal = logType === 'SecurityLog' ? station.security.log : station.journal;
  return Journal.format(journal.entries(from, to));
}

/** The signed firmware update flow after the answer (TC_080, TC_081), on the shared runner. */
function signedUpdate(ctx: BehaviourContext, req: Req<'SignedUpdateFirmware'>, current: () => boolean): Promise<void> {
  const { station, lifecycle } = ctx;
  const { requestId, retries, retryInterval, firmware } = req;
  return runFirmwareUpdate(station, firmware, { retries, retryInterval }, {
    current,
    async status(s) {
      station.security.signedFirmware = { status: s, requestId };
      await station.notify('SignedFirmwareStatusNotification', { status: s as SignedStatus, requestId });
      // A finished update leaves the status Idle for ExtendedTriggerMessage.
      if (!updateRunning(s) && current()) station.security.signedFirmware = { status: 'Idle', requestId };
    },
    raise: (type, techInfo) => station.security.raise(type, techInfo),
    async reboot(booted, version) {
      station.profile.firmwareVersion = version;
      lifecycle.whenBooted(booted);
      await lifecycle.reboot();
    },
  });
}

/** Security extension behaviours. */
export const security: Behaviours = {
  ExtendedTriggerMessage({ requestedMessage, connectorId }, ctx) {
    return triggerOutcome(supports(ctx.station, 'Security') ? EXTENDED_TRIGGERS[requestedMessage] : undefined, connectorId, ctx);
  },

  // TC_074 / TC_077: the chain must belong to our pending CSR; the new pair is presented after a reconnect.
  CertificateSigned({ certificateChain }, { station, lifecycle }) {
    requireSecurity(station, 'CertificateSigned');
    const problem = chainProblem(station, certificateChain);
    if (problem) return { response: { status: 'Rejected' }, followUp: () => station.security.raise('InvalidChargePointCertificate', problem) };
    const key = station.security.pendingKey!;
    const chain = splitPemChain(certificateChain).join('\n');
    const followUp = async (): Promise<void> => {
      keystoreFor(station.link.id).save('', key, chain);
      if (station.security.pendingKey === key) station.security.pendingKey = undefined;
      // The link does not tell ws:// from wss://; over ws:// the reconnect is merely harmless.
      await lifecycle.reconnect();
    };
    return { response: { status: 'Accepted' }, followUp };
  },

  // TC_075 / TC_078.
  InstallCertificate({ certificateType, certificate }, { station }) {
    requireSecurity(station, 'InstallCertificate');
    const result = station.security.certificates.install(certificateType, certificate, station.now());
    if (result.status !== 'Accepted') station.warn(`InstallCertificate ${certificateType} ${result.status}: ${result.reason}`);
    if (result.status === 'Rejected' && certificateType === 'CentralSystemRootCertificate') {
      return { response: { status: result.status }, followUp: () => station.security.raise('InvalidCentralSystemCertificate', result.reason) };
    }
    return { response: { status: result.status } };
  },

  // TC_076. Never Failed: the simulator cannot tell which root its TLS trust depends on (tls.ca may hold it).
  // As 2.0.1's M04.FR.06: the certificate the charge point presents is replaced by renewal, never deleted.
  DeleteCertificate({ certificateHashData }, { station }) {
    requireSecurity(station, 'DeleteCertificate');
    if (keystoreFor(station.link.id).presents(certificateHashData)) return { response: { status: 'Failed' } };
    return { response: { status: station.security.certificates.remove(certificateHashData) ? 'Accepted' : 'NotFound' } };
  },

  GetInstalledCertificateIds({ certificateType }, { station }) {
    requireSecurity(station, 'GetInstalledCertificateIds');
    const [first, ...rest] = station.security.certificates.list(certificateType);
    return { response: first ? { status: 'Accepted', certificateHashData: [first, ...rest] } : { status: 'NotFound' } };
  },

  // TC_079: Uploading, then Uploaded or UploadFailure, all with the request's requestId.
  GetLog({ logType, requestId, log, retries, retryInterval }, { station }) {
    requireSecurity(station, 'GetLog');
    if (!uploadable(log.remoteLocation)) return { response: { status: 'Rejected' } };
    const sec = station.security;
    const canceled = sec.logStatus.status === 'Uploading';
    const current = sec.startRun('log');
    const filename = logFileName(logType === 'SecurityLog' ? 'security' : 'diagnostics', station.link.id, station.now());
    const status = async (s: LogStatus): Promise<void> => {
      sec.logStatus = { status: s, requestId };
      await station.notify('LogStatusNotification', { status: s, requestId });
    };
    const followUp = async (): Promise<void> => {
      const content = logContent(station, logType, log.oldestTimestamp, log.latestTimestamp);
      await runLogUpload(station, { location: log.remoteLocation, fileName: filename, content, retries, retryInterval }, current, status);
      if (current()) sec.logStatus = { status: 'Idle' };
    };
    return { response: { status: canceled ? 'AcceptedCanceled' : 'Accepted', filename }, followUp };
  },

  // TC_080 / TC_081.
  SignedUpdateFirmware(req, ctx) {
    const { station } = ctx;
    requireSecurity(station, 'SignedUpdateFirmware');
    const problem = signingCertificateProblem(req.firmware.signingCertificate, station.now(), station.security.certificates.pems('ManufacturerRootCertificate'));
    if (problem) return { response: { status: 'InvalidCertificate' }, followUp: () => station.security.raise('InvalidFirmwareSigningCertificate', problem) };
    const canceled = updateRunning(station.security.signedFirmware?.status);
    const current = station.security.startRun('firmware');
    return { response: { status: canceled ? 'AcceptedCanceled' : 'Accepted' }, followUp: () => signedUpdate(ctx, req, current) };
  },
};
