/**
 * File transfers shared by every station behaviour that moves files, in both OCPP versions
 * (1.6 GetDiagnostics, UpdateFirmware, GetLog, SignedUpdateFirmware; 2.0.1 UpdateFirmware,
 * GetLog): retries with the CSMS's retryInterval on the station's clock, downloads over FTP/FTPS
 * or HTTP(S), uploads with the station's TLS settings.
 * @module
 */
import { readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Scheduler } from '../ocpp/scheduler';
import { ftpDownload, ftpUpload, type FtpOptions } from './ftp';
import { httpDownload, httpUpload } from './http';

/** What a transfer needs from the station that runs it. */
export interface TransferHost {
  /** Trusted CAs and the verification switch for ftps:// and https://. */
  readonly files: FtpOptions;
  /** The station's connection side, for its clock. */
  readonly link: { readonly scheduler: Scheduler };
  /** A readable warning line. */
  warn(line: string): void;
}

/**
 * Wait on the station's clock. A protocol deadline, not a script sleep: a station closed while
 * it waits must not keep the process alive, and a virtual clock moves it.
 * @param host The station.
 * @param ms Milliseconds (negative: none).
 */
export function waitOn(host: TransferHost, ms: number): Promise<void> {
  return new Promise((resolve) => host.link.scheduler.after(Math.max(0, ms), resolve));
}

/**
 * Run `attempt` up to 1 + retries times, waiting retryInterval seconds between tries.
 * @param host For the clock and warnings.
 * @param retries Extra attempts after the first.
 * @param retryIntervalS Seconds between attempts.
 * @param attempt The transfer.
 */
export async function withRetries<T>(host: TransferHost, retries = 0, retryIntervalS = 0, attempt: () => Promise<T>): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (n >= retries) throw err;
      host.warn(`${(err as Error).message}; retry ${n + 1} of ${retries} in ${retryIntervalS} s`);
      await host.link.scheduler.sleep(retryIntervalS * 1000);
    }
  }
}

/**
 * Fetch a file into memory: ftp(s) through basic-ftp (temporary file removed), http(s) through
 * node:http(s); both with the station's trusted CAs and verification switch.
 * @param host For its TLS settings.
 * @param location `ftp[s]://…/file` or `http[s]://…`.
 */
export async function download(host: TransferHost, location: string): Promise<Buffer> {
  if (/^https?:/i.test(location)) return httpDownload(location, host.files);
  const file = await ftpDownload(location, host.files);
  try {
    return await readFile(file);
  } finally {
    await rm(dirname(file), { recursive: true, force: true });
  }
}

/**
 * Upload content to an `ftp[s]://…/dir` location, or POST it to an `http[s]://…` one, with the
 * station's TLS settings.
 * @param host For its TLS settings.
 * @param location Directory URL (FTP) or the URL that takes the upload (HTTP).
 * @param fileName File name in that directory.
 * @param content File content.
 */
export function upload(host: TransferHost, location: string, fileName: string, content: string | Buffer): Promise<void> {
  if (/^https?:/i.test(location)) return httpUpload(location, fileName, content, host.files);
  return ftpUpload(location, fileName, content, host.files);
}

/**
 * A transfer's status as a status notification reports it: with the request's requestId, except
 * Idle, which belongs to no request (a triggered status after the run ended).
 * @param s The status and the request it belongs to.
 */
export function reportedStatus<S extends string>(s: { status: S; requestId?: number }): { status: S; requestId?: number } {
  return s.requestId === undefined || s.status === 'Idle' ? { status: s.status } : { status: s.status, requestId: s.requestId };
}

/**
 * Which run of a kind (a log upload, a firmware update) is the current one: a new request
 * supersedes the running one (2.0.1 L01.FR.24, N01.FR.12 AcceptedCanceled; 1.6 whitepaper), and
 * the old run sees its check turn false and stops reporting.
 */
export class Runs<K extends string = string> {
  private countersMade: Map<K, number> | undefined;
  /** Made on first use. */
  private get counters(): Map<K, number> {
    return (this.countersMade ??= new Map());
  }

  /**
   * Start a run of `kind`, superseding the previous one.
   * @param kind Which kind of run.
   * @returns True while this run is the current one.
   */
  start(kind: K): () => boolean {
    const n = (this.counters.get(kind) ?? 0) + 1;
    this.counters.set(kind, n);
    return () => this.counters.get(kind) === n;
  }
}
