/**
 * Default answers of the FirmwareManagement profile (OCPP 1.6 §5.8 GetDiagnostics, §5.19
 * UpdateFirmware) with their status notifications (§4.4, §4.5): a real diagnostics file is
 * uploaded and the firmware really downloaded, by FTP/FTPS (or HTTP(S) for firmware), honouring
 * retries and retryInterval. Failures end in UploadFailed / DownloadFailed /
 * InstallationFailed, never in an exception.
 * @module
 */
import { readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ftpDownload, ftpUpload } from '../../files/ftp';
import type { Station } from '../station/station';
import type { Behaviours } from './types';

/** Run `attempt` up to 1 + retries times, waiting retryInterval seconds between tries. */
async function withRetries<T>(station: Station, retries = 0, retryIntervalS = 0, attempt: () => Promise<T>): Promise<T> {
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

/** What the diagnostics file holds: the model's state as readable JSON. */
function diagnostics(station: Station, startTime?: string, stopTime?: string): string {
  return `${JSON.stringify({
    chargePoint: station.link.id,
    generated: new Date(station.now()).toISOString(),
    window: { startTime, stopTime },
    profile: station.profile,
    bootState: station.bootState,
    connectors: station.connectors.map((c) => ({ id: c.id, status: c.status, transaction: c.transaction, energyWh: c.meter?.registerWh })),
    configuration: station.config.get().configurationKey,
    queuedTransactionMessages: station.queue.length,
  }, null, 2)}\n`;
}

/** Fetch a firmware image into memory: ftp(s) through basic-ftp, http(s) through fetch. */
async function download(location: string): Promise<Buffer> {
  if (/^https?:/i.test(location)) {
    const res = await fetch(location);
    if (!res.ok) throw new Error(`HTTP ${res.status} for ${location}`);
    return Buffer.from(await res.arrayBuffer());
  }
  const file = await ftpDownload(location);
  try {
    return await readFile(file);
  } finally {
    await rm(dirname(file), { recursive: true, force: true });
  }
}

/** FirmwareManagement behaviours. */
export const firmware: Behaviours = {
  GetDiagnostics({ location, retries, retryInterval, startTime, stopTime }, { station }) {
    const fileName = `diagnostics-${station.link.id}-${new Date(station.now()).toISOString().replace(/[:.]/g, '-')}.json`;
    const status = (s: typeof station.diagnosticsStatus) => {
      station.diagnosticsStatus = s;
      return station.notify('DiagnosticsStatusNotification', { status: s });
    };
    const followUp = async (): Promise<void> => {
      await status('Uploading');
      try {
        await withRetries(station, retries, retryInterval, () => ftpUpload(location, fileName, diagnostics(station, startTime, stopTime)));
        await status('Uploaded');
      } catch (err) {
        station.warn(`diagnostics upload failed: ${(err as Error).message}`);
        await status('UploadFailed');
      }
      station.diagnosticsStatus = 'Idle';
    };
    return { response: { fileName }, followUp };
  },

  UpdateFirmware({ location, retrieveDate, retries, retryInterval }, { station, lifecycle }) {
    const status = (s: typeof station.firmwareStatus) => {
      station.firmwareStatus = s;
      return station.notify('FirmwareStatusNotification', { status: s });
    };
    const followUp = async (): Promise<void> => {
      await station.link.scheduler.sleep(Math.max(0, Date.parse(retrieveDate) - station.now()));
      await status('Downloading');
      let image: Buffer;
      try {
        image = await withRetries(station, retries, retryInterval, () => download(location));
      } catch (err) {
        station.warn(`firmware download failed: ${(err as Error).message}`);
        await status('DownloadFailed');
        station.firmwareStatus = 'Idle';
        return;
      }
      await status('Downloaded');
      await status('Installing');
      // An empty image stands for an unusable one (TC_044_3).
      if (image.length === 0) {
        await status('InstallationFailed');
        station.firmwareStatus = 'Idle';
        return;
      }
      lifecycle.whenBooted(() => {
        void status('Installed').then(() => (station.firmwareStatus = 'Idle'));
      });
      await lifecycle.reboot();
    };
    return { response: {}, followUp };
  },
};
