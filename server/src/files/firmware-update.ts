/**
 * The secure firmware update, the same in OCPP 1.6 (Security Whitepaper SignedUpdateFirmware,
 * TC_080/081) and 2.0.1 (L01 UpdateFirmware): check the signing certificate, wait for
 * retrieveDateTime, download with retries, verify the signature, wait for installDateTime, install
 * and reboot. Both versions name the statuses alike; what differs (the notification, the security
 * event names, how the station reboots, what it waits for before installing) comes in through
 * {@link FirmwareHooks}.
 * @module
 */
import { certificateProblem, isIssuedBy, verifySignature } from '../security/certificates';
import { download, waitOn, withRetries, type TransferHost } from './transfers';

/** Firmware statuses both versions share (1.6 SignedFirmwareStatus, 2.0.1 FirmwareStatusEnumType). */
export type FirmwareStatus =
  | 'Downloaded' | 'DownloadFailed' | 'Downloading' | 'DownloadScheduled' | 'DownloadPaused' | 'Idle' | 'InstallationFailed'
  | 'Installing' | 'Installed' | 'InstallRebooting' | 'InstallScheduled' | 'InstallVerificationFailed' | 'InvalidSignature' | 'SignatureVerified';

/** Statuses after which an update is over: a new request then supersedes nothing. */
const FINISHED: readonly FirmwareStatus[] = ['Idle', 'Installed', 'InstallationFailed', 'DownloadFailed', 'InvalidSignature', 'InstallVerificationFailed'];

/** True while an update with this status is still under way (a new request answers AcceptedCanceled). */
export function updateRunning(status: FirmwareStatus | undefined): boolean {
  return status !== undefined && !FINISHED.includes(status);
}

/** The firmware to fetch and install (1.6 and 2.0.1 `firmware` field alike). */
export interface FirmwareSpec {
  /** Where to download it. */
  location: string;
  /** Not before this time. */
  retrieveDateTime: string;
  /** Install not before this time. */
  installDateTime?: string;
  /** The PEM certificate the signature was made with. */
  signingCertificate: string;
  /** Base64 signature of the image. */
  signature: string;
}

/** A station-specific step of the update. */
export interface FirmwareHooks {
  /** True while this update is the current one (a newer request stops it reporting). */
  current(): boolean;
  /** Record and send a status change (called only while current). */
  status(status: FirmwareStatus): Promise<void>;
  /** A firmware security event. */
  raise(type: 'InvalidFirmwareSignature' | 'FirmwareUpdated', techInfo: string): void;
  /** Resolve when installing may begin (2.0.1 L01.FR.06: once the transactions ended). */
  readyToInstall?(): Promise<void>;
  /**
   * Reboot into the new firmware, which reports `version` from now on (its next BootNotification
   * says so, L01.FR.20 / 1.6 §4.2); `booted` runs once the station is accepted again.
   */
  reboot(booted: () => void, version: string): Promise<void>;
}

/**
 * Why a firmware signing certificate is refused, or undefined (1.6 TC_080, 2.0.1 L01.FR.02).
 * @param pem The signing certificate.
 * @param now The station's clock (epoch ms).
 * @param roots Installed manufacturer roots; when there are any, one must have issued it.
 */
export function signingCertificateProblem(pem: string, now: number, roots: readonly string[]): string | undefined {
  const problem = certificateProblem(pem, now);
  if (problem) return problem;
  if (roots.length && !roots.some((root) => isIssuedBy(pem, root))) return 'not issued by an installed ManufacturerRootCertificate';
  return undefined;
}

/**
 * Run one update after its answer went out: DownloadScheduled while retrieveDateTime is ahead,
 * Downloading, Downloaded (or DownloadFailed after the retries), SignatureVerified (or
 * InvalidSignature + event), InstallScheduled while installDateTime is ahead, Installing
 * (InstallationFailed for an empty image, which stands for an unusable one), reboot, Installed +
 * FirmwareUpdated. A superseded run stops at its next step.
 * @param host The station (clock, TLS settings, warnings).
 * @param firmware What to install.
 * @param transfer Extra download attempts and the seconds between them.
 * @param hooks The station-specific steps.
 */
export async function runFirmwareUpdate(host: TransferHost, firmware: FirmwareSpec, transfer: { retries?: number; retryInterval?: number }, hooks: FirmwareHooks): Promise<void> {
  const now = (): number => host.link.scheduler.now();
  const status = async (s: FirmwareStatus): Promise<boolean> => {
    if (!hooks.current()) return false;
    await hooks.status(s);
    return true;
  };
  const retrieveAt = Date.parse(firmware.retrieveDateTime);
  if (retrieveAt > now()) {
    if (!(await status('DownloadScheduled'))) return;
    await waitOn(host, retrieveAt - now());
  }
  if (!(await status('Downloading'))) return;
  let image: Buffer;
  try {
    image = await withRetries(host, transfer.retries, transfer.retryInterval, () => download(host, firmware.location));
  } catch (err) {
    host.warn(`firmware download failed: ${(err as Error).message}`);
    await status('DownloadFailed');
    return;
  }
  if (!(await status('Downloaded'))) return;
  if (!verifySignature(image, firmware.signingCertificate, firmware.signature)) {
    if (await status('InvalidSignature')) hooks.raise('InvalidFirmwareSignature', `firmware from ${firmware.location}`);
    return;
  }
  if (!(await status('SignatureVerified'))) return;
  const installAt = firmware.installDateTime ? Date.parse(firmware.installDateTime) : NaN;
  if (installAt > now()) {
    if (!(await status('InstallScheduled'))) return;
    await waitOn(host, installAt - now());
  }
  await hooks.readyToInstall?.();
  if (!(await status('Installing'))) return;
  if (image.length === 0) {
    await status('InstallationFailed');
    return;
  }
  await hooks.reboot(() => {
    if (!hooks.current()) return;
    hooks.raise('FirmwareUpdated', `firmware from ${firmware.location}`);
    void hooks.status('Installed');
  }, firmwareVersionOf(firmware.location));
}

/**
 * The version an installed image reports: the version number in its file name
 * (`…/fw-2.3.1.bin` → `2.3.1`), else the file name without its extension; at most 50
 * characters (CiString50, both versions' firmwareVersion).
 * @param location Where the image was downloaded from.
 */
export function firmwareVersionOf(location: string): string {
  let name: string;
  try {
    name = decodeURIComponent(new URL(location).pathname.split('/').pop() ?? '');
  } catch {
    name = location.split('/').pop() ?? '';
  }
  const numbered = /\d+(?:\.\d+)+/.exec(name);
  return (numbered ? numbered[0] : name.replace(/\.[^.]*$/, '') || 'unknown').slice(0, 50);
}
