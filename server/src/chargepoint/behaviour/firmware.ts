/**
 * Default answers of the FirmwareManagement profile (OCPP 1.6 §5.8 GetDiagnostics, §5.19
 * UpdateFirmware) with their status notifications (§4.4, §4.5): a real diagnostics file is
 * uploaded and the firmware really downloaded, by FTP/FTPS (or HTTP(S) for firmware), honouring
 * retries and retryInterval. Failures end in UploadFailed / DownloadFailed /
 * InstallationFailed, never in an exception.
 * @module
 */
import { Journal } from '../model/journal';
import type { Station } from '../station/station';
import { download, upload, waitOn, withRetries } from '../../files/transfers';
import { firmwareVersionOf } from '../../files/firmware-update';
import type { Behaviours } from './types';

/** What the diagnostics file holds: the model's state and its journal (frames, events) within the requested window, as readable JSON. */
function diagnostics(station: Station, startTime?: string, stopTime?: string): string {
  const from = startTime ? Date.parse(startTime) : undefined;
  const to = stopTime ? Date.parse(stopTime) : undefined;
  return `${JSON.stringify({
    chargePoint: station.link.id,
    generated: new Date(station.now()).toISOString(),
    window: { startTime, stopTime },
    profile: station.profile,
    bootState: station.bootState,
    connectors: station.connectors.map((c) => ({ id: c.id, status: c.status, transaction: c.transaction, energyWh: c.meter?.registerWh })),
    configuration: station.config.get().configurationKey,
    queuedMessages: station.queue.length,
    journal: Journal.format(station.journal.entries(from, to)).split('\n').filter(Boolean),
  }, null, 2)}\n`;
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
        await withRetries(station, retries, retryInterval, () => upload(station, location, fileName, diagnostics(station, startTime, stopTime)));
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
    // From now on a triggered firmware status is the unsigned FirmwareStatusNotification.
    station.security.signedFirmware = undefined;
    const followUp = async (): Promise<void> => {
      // A protocol deadline on the timer heap (a retrieveDate a year ahead waits a year), not a script sleep.
      await waitOn(station, Date.parse(retrieveDate) - station.now());
      await status('Downloading');
      let image: Buffer;
      try {
        image = await withRetries(station, retries, retryInterval, () => download(station, location));
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
      // The next BootNotification reports the new version (1.6 §4.2, TC_044_1).
      station.profile.firmwareVersion = firmwareVersionOf(location);
      lifecycle.whenBooted(() => {
        void status('Installed').then(() => (station.firmwareStatus = 'Idle'));
      });
      await lifecycle.reboot();
    };
    return { response: {}, followUp };
  },
};
