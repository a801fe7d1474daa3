/**
 * The log upload of GetLog, the same in OCPP 1.6 (Security Whitepaper, TC_079) and 2.0.1 (N01):
 * Uploading, then Uploaded or UploadFailure after the retries, every status with the request's
 * requestId; a newer GetLog supersedes the run (AcceptedCanceled), which then stops reporting.
 * @module
 */
import { upload, withRetries, type TransferHost } from './transfers';

/** Log upload statuses both versions send while uploading. */
export type LogUploadStatus = 'Uploading' | 'Uploaded' | 'UploadFailure';

/** One upload. */
export interface LogUpload {
  /** `ftp[s]://…/dir`. */
  location: string;
  /** File name in that directory. */
  fileName: string;
  /** What the file holds. */
  content: string;
  /** Extra attempts after the first. */
  retries?: number;
  /** Seconds between attempts. */
  retryInterval?: number;
}

/** FTP, FTPS, HTTP and HTTPS take uploads (the 2.0.1 `FileTransferProtocols` the station announces). */
export function uploadable(location: string): boolean {
  return /^(ftps?|https?):\/\//i.test(location);
}

/**
 * A file name that says what the log is, whose it is and when it was made.
 * @param kind `security` or `diagnostics`.
 * @param stationId The station's identity.
 * @param now The station's clock (epoch ms).
 */
export function logFileName(kind: 'security' | 'diagnostics', stationId: string, now: number): string {
  return `${kind}-log-${stationId}-${new Date(now).toISOString().replace(/[:.]/g, '-')}.log`;
}

/**
 * Upload after the answer went out, reporting each status while the run is current.
 * @param host The station (clock, TLS settings, warnings).
 * @param job What to upload where.
 * @param current True while this run was not superseded.
 * @param status Record and send a status.
 */
export async function runLogUpload(host: TransferHost, job: LogUpload, current: () => boolean, status: (s: LogUploadStatus) => Promise<void>): Promise<void> {
  const report = (s: LogUploadStatus): Promise<void> => (current() ? status(s) : Promise.resolve());
  await report('Uploading');
  try {
    await withRetries(host, job.retries, job.retryInterval, () => upload(host, job.location, job.fileName, job.content));
    await report('Uploaded');
  } catch (err) {
    host.warn(`log upload failed: ${(err as Error).message}`);
    await report('UploadFailure');
  }
}
