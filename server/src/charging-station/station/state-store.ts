/**
 * Persistence of a 2.0.1 station in the state directory (`--state-dir`), in the shared
 * {@link StateFile} pattern: changed device-model values (BasicAuthPassword included, hence
 * 0600), availability (G03.FR.08 / G04.FR.09: Inoperative survives a reboot), the local list and
 * cache, network profiles, installed certificates and the V2G chain (never a pending CSR's private key, as in
 * 1.6), custom monitors, display messages, charging profiles and, above all, the queue of undelivered TransactionEvents and
 * security events. A transaction that was running when the simulator died is ended with
 * stoppedReason PowerLoss when it starts again, its Ended event behind the restored queue.
 * @module
 */
import { StateFile } from '../../chargepoint/station/state-file';
import type { QueuedMessage } from '../../chargepoint/station/tx-queue';
import type { AttributeEnumType, InstallCertificateUseEnumType, MessageInfoType } from '../../ocpp/v201/types';
import type { InstalledCertificate } from '../../security/certificate-store';
import type { InstalledProfile201 } from '../model/charging-profiles';
import type { Transaction } from '../model/evse';
import type { SavedAuthorization } from './authorization';
import type { StationContext } from './context';
import type { SavedMonitor } from './monitoring';
import type { Request201, StationModel } from './station';

/** What is kept of one EVSE. */
export interface SavedEvse {
  /** EVSE id. */
  id: number;
  /** Inoperative (now, and once idle). */
  inoperative: boolean;
  /** Inoperative once idle. */
  scheduledInoperative?: boolean;
  /** Per connector: id, inoperative, plugged. */
  connectors: { id: number; inoperative: boolean; scheduledInoperative?: boolean; plugged: boolean }[];
  /** The running transaction. */
  transaction?: Transaction;
  /** Meter register in Wh. */
  energyWh: number;
}

/** The file format (version 1), `<id>.ocpp201.json`. */
export interface SavedStation {
  /** Format version. */
  version: 1;
  /** Station id. */
  id: string;
  /** When it was written (ISO). */
  savedAt: string;
  /** Device-model values that differ from the catalogue. */
  variables: Record<string, Partial<Record<AttributeEnumType, string>>>;
  /** The whole station Inoperative. */
  inoperative: boolean;
  /** EVSEs and connectors. */
  evses: SavedEvse[];
  /** Local list and cache. */
  authorization: SavedAuthorization;
  /** Network profiles by slot. */
  networkProfiles: [number, Request201<'SetNetworkProfile'>['connectionData']][];
  /** Undelivered messages, oldest first. */
  queue: QueuedMessage[];
  /** Installed root certificates (absent in files written before they were kept). */
  certificates?: InstalledCertificate<InstallCertificateUseEnumType>[];
  /** The old CSMS root kept as fallback during a root renewal (M05.FR.14; absent when none). */
  fallbackRoot?: string;
  /** Custom variable monitors (N07.FR.13; absent in older files). */
  monitors?: SavedMonitor[];
  /** Display messages (O01.FR.10; absent in older files). */
  displayMessages?: MessageInfoType[];
  /** Charging profiles (K01.FR.27; absent in older files). */
  chargingProfiles?: InstalledProfile201[];
  /** The ISO 15118 V2G certificate chain and its hash data (absent when none). */
  v2gCertificate?: StationModel['v2gCertificate'];
}

/** A state directory of 2.0.1 stations. */
export class StationStateStore extends StateFile {
  /**
   * Use a state directory.
   * @param dir The directory.
   */
  constructor(dir: string) {
    super(dir, '.ocpp201');
  }

  /** Write a station's state. */
  save(ctx: StationContext): void {
    const s = ctx.station;
    const state: SavedStation = {
      version: 1,
      id: s.link.id,
      savedAt: new Date(s.now()).toISOString(),
      variables: s.device.snapshot(),
      inoperative: s.inoperative,
      evses: s.evses.map((e) => ({
        id: e.id,
        inoperative: e.inoperative,
        scheduledInoperative: e.scheduledInoperative,
        connectors: e.connectors.map((c) => ({ id: c.id, inoperative: c.inoperative, scheduledInoperative: c.scheduledInoperative, plugged: c.plugged })),
        transaction: e.transaction,
        energyWh: e.meter.energyWh,
      })),
      authorization: ctx.authorization.snapshot(),
      networkProfiles: [...s.networkProfiles],
      queue: s.queue.messages,
      certificates: s.certificates.all,
      fallbackRoot: s.fallbackRoot,
      monitors: ctx.monitoring.snapshot(),
      displayMessages: ctx.display.snapshot(),
      chargingProfiles: ctx.smartCharging.profiles.list(),
      v2gCertificate: s.v2gCertificate,
    };
    this.write(s.link.id, state);
  }

  /** Restore a station from its saved state (if any) and save it after every change from now on. */
  attach(ctx: StationContext): void {
    const s = ctx.station;
    const state = this.read<SavedStation>(s.link.id, 1);
    if (state) {
      s.device.restore(state.variables);
      s.inoperative = state.inoperative;
      ctx.authorization.restore(state.authorization);
      for (const [slot, data] of state.networkProfiles) s.networkProfiles.set(slot, data);
      s.queue.restore(state.queue);
      if (state.certificates) s.certificates.restore(state.certificates);
      s.fallbackRoot = state.fallbackRoot;
      if (state.monitors) ctx.monitoring.restore(state.monitors);
      if (state.displayMessages) ctx.display.restore(state.displayMessages);
      if (state.chargingProfiles) ctx.smartCharging.profiles.restore(state.chargingProfiles);
      s.v2gCertificate = state.v2gCertificate;
      for (const saved of state.evses) {
        const e = s.evse(saved.id);
        if (!e) continue;
        e.inoperative = saved.inoperative;
        e.scheduledInoperative = saved.scheduledInoperative;
        if (saved.energyWh > e.meter.energyWh) e.meter.energyWh = saved.energyWh;
        for (const c of saved.connectors) Object.assign(e.connectors.find((x) => x.id === c.id) ?? {}, c);
        e.transaction = saved.transaction;
      }
    }
    s.onChange = this.saver(() => this.save(ctx), (line) => s.warn(line));
    // The simulator went down mid-transaction: the station lost power (E06, stoppedReason PowerLoss).
    for (const e of s.evses) if (e.transaction) ctx.transactions.end(e, { trigger: 'AbnormalCondition', reason: 'PowerLoss' });
    s.refresh();
  }
}
