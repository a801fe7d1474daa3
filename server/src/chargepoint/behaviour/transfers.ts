/**
 * File transfers shared by the behaviours that move files (GetDiagnostics, UpdateFirmware,
 * GetLog, SignedUpdateFirmware): retries with the CSMS's retryInterval, downloads over
 * FTP/FTPS or HTTP(S), uploads with the station's TLS settings.
 * @module
 */
import { readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ftpDownload, ftpUpload } from '../../files/ftp';
import { httpDownload } from '../../files/http';
import type { Station } from '../station/station';

/**
 * Run `attempt` up to 1 + retries times, waiting retryInterval seconds between tries.
 * @param station For the clock and warnings.
 * @param retries Extra attempts after the first.
 * @param retryIntervalS Seconds between attempts.
 * @param attempt The transfer.
 */
export async function withRetries<T>(station: Station, retries = 0, retryIntervalS = 0, attempt: () => Promise<T>): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (n >= retries) throw err;
      station.warn(`${(err as Error).message}; retry ${n + 1} of ${retries} in ${retryIntervalS} s`);
      await station.link.scheduler.sleep(retryIntervalS * 1000);
    }
  }
}

/**
 * Resolve at a time on the station's clock: a protocol deadline on the one timer heap, not a
 * script sleep, so a charge point closed while it waits (a retrieveDate a year ahead) keeps no
 * process alive; the scheduler reaches deadlines beyond Node's 24.8-day timer limit.
 * @param station For its clock.
 * @param at Epoch ms; now or earlier resolves at once.
 */
export function waitUntil(station: Station, at: number): Promise<void> {
  return new Promise((resolve) => station.link.scheduler.after(at - station.now(), resolve));
}

/**
 * Fetch a file into memory: ftp(s) through basic-ftp (temporary file removed), http(s) through
 * node:http(s); both with the station's trusted CAs and verification switch.
 * @param station For its TLS settings.
 * @param location `ftp[s]://…/file` or `http[s]://…`.
 */
export async function download(station: Station, location: string): Promise<Buffer> {
  if (/^https?:/i.test(location)) return httpDownload(location, station.files);
  const file = await ftpDownload(location, station.files);
  try {
    return await readFile(file);
  } finally {
    await rm(dirname(file), { recursive: true, force: true });
  }
}

/**
 * Upload content to an `ftp[s]://…/dir` location with the station's TLS settings.
 * @param station For its TLS settings.
 * @param location Directory URL.
 * @param fileName File name in that directory.
 * @param content File content.
 */
export function upload(station: Station, location: string, fileName: string, content: string | Buffer): Promise<void> {
  return ftpUpload(location, fileName, content, station.files);
}
