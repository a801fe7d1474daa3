/**
 * Default answers of the Core profile (OCPP 1.6 §5): availability, configuration, cache, data
 * transfer, remote start/stop, reset, unlock.
 * @module
 */
import type { Behaviours } from './types';

/** Core profile behaviours. */
export const core: Behaviours = {
  // §5.2: Scheduled when a transaction on an affected connector runs; applied when it ends.
  ChangeAvailability({ connectorId, type }, { station }) {
    const c = station.connector(connectorId);
    if (!c) return { response: { status: 'Rejected' } };
    const inoperative = type === 'Inoperative';
    let scheduled = false;
    if (connectorId === 0) {
      c.inoperative = inoperative;
      scheduled = inoperative && station.connectors.some((x) => x.transaction);
    } else if (c.transaction && inoperative) {
      c.scheduledInoperative = true;
      scheduled = true;
    } else {
      c.inoperative = inoperative;
      c.scheduledInoperative = undefined;
    }
    for (const x of station.connectors) x.forced = undefined;
    return { response: { status: scheduled ? 'Scheduled' : 'Accepted' }, followUp: () => station.refresh() };
  },

  // §5.3, §9: type, range and read-only checks live in the configuration model (SecurityProfile only goes up).
  ChangeConfiguration({ key, value }, { station, lifecycle }) {
    const status = station.config.change(key, value);
    const security = status === 'Accepted' && /^(AuthorizationKey|SecurityProfile)$/i.test(key);
    const followUp = async (): Promise<void> => {
      if (key === 'HeartbeatInterval') lifecycle.armHeartbeat();
      if (key === 'WebSocketPingInterval') lifecycle.armPing();
      if (!security) return;
      // TC_073 / TC_083: reconnect with the new password or at the new profile (which falls back if it cannot connect).
      station.security.raise('ReconfigurationOfSecurityParameters', `${key} changed`);
      await station.queue.drained(5_000);
      await lifecycle.reconnect();
    };
    return { response: { status }, followUp };
  },

  ClearCache(_req, { station }) {
    station.cache.clear();
    return { response: { status: 'Accepted' } };
  },

  // §5.6: no vendor extension here unless a script registers one.
  DataTransfer() {
    return { response: { status: 'UnknownVendorId' } };
  },

  GetConfiguration({ key }, { station }) {
    return { response: station.config.get(key) };
  },

  // §5.11 and TC_010 / TC_011 / TC_026 / TC_027 / TC_059 / TC_060.
  RemoteStartTransaction({ connectorId, idTag, chargingProfile }, { station }) {
    const rejected = { response: { status: 'Rejected' as const } };
    if (station.bootState === 'Pending' || connectorId === 0) return rejected;
    if (chargingProfile && chargingProfile.chargingProfilePurpose !== 'TxProfile') return rejected;
    const c = connectorId === undefined
      ? station.connectors.find((x) => x.id > 0 && !x.transaction && !x.authorized && (x.status === 'Available' || x.status === 'Preparing'))
      : station.connector(connectorId);
    if (!c || c.id === 0 || c.transaction || c.authorized || c.status === 'Faulted' || c.status === 'Unavailable') return rejected;
    const reservation = station.reservationFor(c);
    if (reservation && reservation.idTag !== idTag && !reservation.parentIdTag) return rejected;
    const followUp = async (): Promise<void> => {
      let parentIdTag: string | undefined;
      if (station.config.bool('AuthorizeRemoteTxRequests')) {
        const info = await station.authorize(idTag);
        if (info.status !== 'Accepted') return;
        parentIdTag = info.parentIdTag;
      }
      if (c.transaction) return;
      if (station.hardware.lockFails) {
        // TC_024: Preparing, then the cable cannot be locked: Faulted, and no transaction.
        if (station.automation.autoPlugIn) station.plugIn(c.id);
        return station.fault(c.id, 'ConnectorLockFailure');
      }
      station.authorizeConnector(c, { idTag, parentIdTag, reservationId: reservation?.id, remote: true, chargingProfile });
      if (!c.plugged && station.automation.autoPlugIn) station.plugIn(c.id);
    };
    return { response: { status: 'Accepted' }, followUp };
  },

  // §5.12 and TC_012 / TC_028.
  RemoteStopTransaction({ transactionId }, { station }) {
    const c = station.connectorOfTransaction(transactionId);
    if (!c) return { response: { status: 'Rejected' } };
    return { response: { status: 'Accepted' }, followUp: () => station.stop(c.id, 'Remote') };
  },

  // §5.14: stop transactions with the matching reason, let the StopTransactions out, reboot.
  Reset({ type }, { station, lifecycle }) {
    const followUp = async (): Promise<void> => {
      station.stopAll(type === 'Hard' ? 'HardReset' : 'SoftReset');
      await station.queue.drained(5_000);
      await station.notified(5_000);
      await lifecycle.reboot();
    };
    return { response: { status: 'Accepted' }, followUp };
  },

  // §5.18 and TC_017 / TC_018 / TC_030 / TC_031.
  UnlockConnector({ connectorId }, { station }) {
    const c = station.connector(connectorId);
    if (!c || c.id === 0 || station.profile.fixedCable) return { response: { status: 'NotSupported' } };
    if (station.hardware.unlockFails) return { response: { status: 'UnlockFailed' } };
    return { response: { status: 'Unlocked' }, followUp: () => station.stop(c.id, 'UnlockCommand') };
  },
};
