/**
 * Persistence of a charge point's state in a state directory (`--state-dir`): configuration,
 * local list, connectors, charging profiles, installed certificates and, above all, the
 * transaction message queue, so a simulator killed mid-session loses no StopTransaction when it
 * restarts. One small JSON file per charge point, replaced atomically (write + rename) after
 * every change, always mode 0600: it holds the AuthorizationKey.
 * @module
 */
import type { IdTagInfo } from '../model/authorization';
import type { InstalledCertificate } from '../../security/certificate-store';
import type { InstalledProfile } from '../model/charging-profiles';
import type { Connector } from '../model/connector';
import { StateFile } from './state-file';
import type { Station } from './station';
import type { QueuedMessage } from './tx-queue';

/** What is kept of one connector. */
export type SavedConnector = Pick<Connector, 'id' | 'inoperative' | 'scheduledInoperative' | 'plugged' | 'finishing' | 'fault' | 'transaction' | 'reservation'> & { energyWh?: number };

/** The file format (version 1). */
export interface SavedState {
  /** Format version. */
  version: 1;
  /** Charge point id. */
  id: string;
  /** When it was written (ISO). */
  savedAt: string;
  /** Changed configuration values. */
  configuration: Record<string, string>;
  /** Local Authorization List. */
  localList: { version: number; entries: [string, IdTagInfo][] };
  /** Connector state. */
  connectors: SavedConnector[];
  /** Undelivered transaction messages, oldest first. */
  queue: QueuedMessage[];
  /** Local transaction counter and resolved CSMS ids. */
  transactions: { seq: number; ids: [number, number][] };
  /** Installed charging profiles. */
  chargingProfiles: InstalledProfile[];
  /** Installed root certificates (absent in files written before they were kept). Never the pending CSR key. */
  certificates?: InstalledCertificate[];
}

/** A directory of saved charge-point states. */
export class StateStore extends StateFile {
  /** Read a saved state; undefined when there is none. Throws a readable error for a damaged file. */
  load(id: string): SavedState | undefined {
    return this.read<SavedState>(id, 1);
  }

  /** Write a station's state (atomically, mode 0600). */
  save(station: Station): void {
    const state: SavedState = {
      version: 1,
      id: station.link.id,
      savedAt: new Date(station.now()).toISOString(),
      configuration: station.config.snapshot(),
      localList: station.localList.snapshot(),
      connectors: station.connectors.map((c) => ({
        id: c.id,
        inoperative: c.inoperative,
        scheduledInoperative: c.scheduledInoperative,
        plugged: c.plugged,
        finishing: c.finishing,
        fault: c.fault,
        transaction: c.transaction,
        reservation: c.reservation,
        energyWh: c.meter?.energyWh,
      })),
      queue: station.queue.messages,
      transactions: station.transactionIds.snapshot(),
      chargingProfiles: station.chargingProfiles.list(),
      certificates: station.security.certificates.all,
    };
    this.write(station.link.id, state);
  }

  /**
   * Restore a station from its saved state (if any) and save it after every change from now
   * on. A transaction that was running when the simulator went down is stopped with reason
   * PowerLoss (as a charger without backup power does after a power cut, TC_032_2); its
   * StopTransaction joins the restored queue.
   */
  attach(station: Station): void {
    const state = this.load(station.link.id);
    if (state) {
      station.config.restore(state.configuration);
      station.localList.restore(state.localList);
      station.chargingProfiles.restore(state.chargingProfiles);
      if (state.certificates) station.security.certificates.restore(state.certificates);
      station.transactionIds.restore(state.transactions.seq, state.transactions.ids);
      station.queue.restore(state.queue);
      for (const saved of state.connectors) {
        const c = station.connector(saved.id);
        if (!c) continue;
        const { energyWh, ...rest } = saved;
        Object.assign(c, rest);
        if (c.meter && energyWh !== undefined && energyWh > c.meter.energyWh) c.meter.energyWh = energyWh;
        if (c.reservation) c.reservation = undefined;
      }
    }
    station.onChange = this.saver(() => this.save(station), (line) => station.warn(line));
    if (state) for (const c of station.connectors) if (c.transaction) station.stop(c.id, 'PowerLoss');
  }
}
