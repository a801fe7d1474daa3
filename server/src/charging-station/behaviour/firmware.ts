/**
 * Default answers of block L, FirmwareManagement: the secure firmware update (L01) on the
 * runner both OCPP versions share ({@link runFirmwareUpdate}), with 2.0.1's statuses,
 * FirmwareStatusNotification with the request's requestId, InstallRebooting before the reboot
 * (BootNotification reason FirmwareUpdate), and the wait for running transactions (L01.FR.06/07).
 * @module
 */
import { runFirmwareUpdate, signingCertificateProblem, updateRunning, type FirmwareHooks } from '../../files/firmware-update';
import type { StationContext } from '../station/context';
import type { Behaviours201 } from './types';

/**
 * Resolve once no transaction runs (L01.FR.06). Meanwhile idle EVSEs are closed to new sessions
 * unless `AllowNewSessionsPendingFirmwareUpdate` (L01.FR.07).
 */
function transactionsEnded(ctx: StationContext): Promise<void> {
  const s = ctx.station;
  if (!ctx.transactions.busy()) return Promise.resolve();
  s.warn('firmware installation waits for the running transactions to end');
  if (!s.device.bool('ChargingStation', 'AllowNewSessionsPendingFirmwareUpdate')) {
    s.closedForUpdate = true;
    s.refresh();
  }
  return new Promise((resolve) => s.waitingInstalls.push(resolve));
}

/**
 * What a transaction's end means for a firmware update waiting for it: once the station is idle,
 * the installation goes on. Returns true when one was released.
 * @param ctx The station.
 */
export function releaseWaitingInstall(ctx: StationContext): boolean {
  const s = ctx.station;
  if (s.waitingInstalls.length === 0 || ctx.transactions.busy()) return false;
  s.closedForUpdate = false;
  s.refresh();
  for (const resolve of s.waitingInstalls.splice(0)) resolve();
  return true;
}

/** FirmwareManagement defaults. */
export const firmware: Behaviours201 = {
  UpdateFirmware: (req, ctx) => {
    const s = ctx.station;
    const { signingCertificate, signature } = req.firmware;
    // L01 is the secure update: an image without its signature is not installed (TC_L_18).
    if (!signingCertificate || !signature) {
      s.warn(`UpdateFirmware ${req.requestId}: no signing certificate or signature; refused`);
      return { response: { status: 'Rejected' } };
    }
    const problem = signingCertificateProblem(signingCertificate, s.now(), s.certificates.pems('ManufacturerRootCertificate'));
    if (problem) {
      // L01.FR.02.
      s.raise('InvalidFirmwareSigningCertificate', problem);
      return { response: { status: 'InvalidCertificate' } };
    }
    // L01.FR.24: a new request cancels the running update.
    const canceled = updateRunning(s.firmware.status);
    const current = s.runs.start('firmware');
    const { requestId } = req;
    const hooks: FirmwareHooks = {
      current,
      async status(status) {
        s.firmware = { status, requestId };
        await s.notify('FirmwareStatusNotification', { status, requestId });
        if (!updateRunning(status) && current()) s.firmware = { status: 'Idle' };
      },
      raise: (type, techInfo) => s.raise(type, techInfo),
      readyToInstall: () => transactionsEnded(ctx),
      async reboot(booted, version) {
        await hooks.status('InstallRebooting');
        s.bootReason = 'FirmwareUpdate';
        s.profile.firmwareVersion = version;
        ctx.lifecycle.whenBooted(booted);
        await ctx.lifecycle.reboot();
      },
    };
    const spec = { ...req.firmware, signingCertificate, signature };
    return {
      response: { status: canceled ? 'AcceptedCanceled' : 'Accepted' },
      followUp: () => runFirmwareUpdate(s, spec, { retries: req.retries, retryInterval: req.retryInterval }, hooks),
    };
  },
};
