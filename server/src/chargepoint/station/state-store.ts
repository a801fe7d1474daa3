/**
 * Persistence of a charge point's state in a state directory (`--state-dir`): configuration,
 * local list, connectors, charging profiles, installed certificates and, above all, the
 * transaction message queue, so a simulator killed mid-session loses no StopTransaction when it
 * restarts. One small JSON file per charge point, replaced atomically (write + rename) after
 * every change, always mode 0600: it holds the AuthorizationKey.
 * @module
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeWithMode } from '../../security/keystore';
import type { IdTagInfo } from '../model/authorization';
import type { InstalledCertificate } from '../model/certificate-store';
import type { InstalledProfile } from '../model/charging-profiles';
import type { Connector } from '../model/connector';
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
export class StateStore {
  /**
   * Use a state directory.
   * @param dir The state directory (created, mode 0700, on first use).
   */
  constructor(readonly dir: string) {}

  /** Path of a charge point's file. */
  fileOf(id: string): string {
    return path.join(this.dir, `${encodeURIComponent(id)}.json`);
  }

  /** Read a saved state; undefined when there is none. Throws a readable error for a damaged file. */
  load(id: string): SavedState | undefined {
    const file = this.fileOf(id);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new Error(`cannot read state ${file}: ${(err as Error).message}`);
    }
    const state = JSON.parse(text) as SavedState;
    if (state.version !== 1) throw new Error(`state ${file} has unknown format version ${String(state.version)}`);
    return state;
  }

  /**
   * Write a station's state atomically, mode 0600 whatever the umask, the directory's mode or the
   * mode of the file it replaces (the rename gives the file the fresh temporary file's mode).
   */
  save(station: Station): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
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
      transactions: { seq: station.transactionSeq, ids: station.transactionIds },
      chargingProfiles: station.chargingProfiles.list(),
      certificates: station.security.certificates.all,
    };
    const file = this.fileOf(station.link.id);
    const tmp = `${file}.${process.pid}.tmp`;
    writeWithMode(tmp, JSON.stringify(state), 0o600);
    fs.renameSync(tmp, file);
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
      station.restoreTransactions(state.transactions.seq, state.transactions.ids);
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
    let pending = false;
    station.onChange = () => {
      if (pending) return;
      pending = true;
      // Changes made in one turn of the event loop are written once.
      queueMicrotask(() => {
        pending = false;
        try {
          this.save(station);
        } catch (err) {
          station.warn(`could not save state: ${(err as Error).message}`);
        }
      });
    };
    if (state) for (const c of station.connectors) if (c.transaction) station.stop(c.id, 'PowerLoss');
  }
}
