/**
 * Server mode's memory across restarts (`--state-dir`, default
 * `${XDG_STATE_HOME:-~/.local/state}/ocpp-sim/server/PORT`): which charge points exist, how they
 * were made (id, URL, protocol, password, boot on connect), their automation switches, built-in
 * and manual answers, and whether they were connected. Each charge point's own state
 * (configuration or device model, local list, profiles, the queue of undelivered transaction
 * messages) sits next to it in the per-station files of {@link StateStore} /
 * {@link StationStateStore}, which the registry's charge points attach themselves (the 1.6
 * `stateDir` option, the 2.0.1 one). Frames are kept only with `--keep-frames`, written at a clean
 * stop. Every file is written atomically, mode 0600 (the list holds Basic-auth passwords).
 * @module
 */
import fs from 'node:fs';
import { StateFile } from '../chargepoint/station/state-file';
import { StateStore } from '../chargepoint/station/state-store';
import { StationStateStore } from '../charging-station/station/state-store';
import type { FrameRecord } from './records';
import type { ChargepointSummary, CreateRequest, Registry } from './registry';

/** One charge point in the list file. */
export interface SavedChargepoint {
  /** How it was created. */
  request: CreateRequest;
  /** Connect again after a restart. */
  connected: boolean;
  /** Automation switches. */
  automation: ChargepointSummary['automation'];
  /** Built-in answers on. */
  defaults: boolean;
  /** Actions answered by hand. */
  manualAnswers: string[];
}

/** The list file, `chargepoints.server.json` (format version 1). */
export interface SavedRegistry {
  /** Format version. */
  version: 1;
  /** When it was written (ISO). */
  savedAt: string;
  /** The charge points in creation order. */
  chargepoints: SavedChargepoint[];
}

/** What the last start restored (shown by `/api/info` and the page). */
export interface RestoreReport {
  /** The state directory. */
  dir: string;
  /** Ids restored, in creation order. */
  ids: string[];
  /** Those being reconnected. */
  reconnecting: string[];
  /** Open transactions found in the charge points' queues (their messages are sent once connected). */
  queuedMessages: number;
  /** Charge points whose frames came back (`--keep-frames`). */
  framesRestored: number;
  /** Entries that could not be restored, one line each. */
  failed: string[];
}

const LIST_ID = 'chargepoints';

/** Keeps a registry's charge points in a state directory and brings them back. */
export class RegistryStore {
  private readonly list: StateFile;
  private readonly frames: StateFile;
  private lastWritten = '';

  /**
   * @param registry The registry to keep.
   * @param dir The state directory.
   * @param keepFrames Also keep each charge point's recent frames (`--keep-frames`).
   * @param warn Where a failed write or a damaged entry is reported (one line).
   */
  constructor(private readonly registry: Registry, readonly dir: string, private readonly keepFrames: boolean, private readonly warn: (line: string) => void) {
    this.list = new StateFile(dir, '.server');
    this.frames = new StateFile(dir, '.frames');
  }

  /**
   * Recreate the saved charge points (their own state files restore configuration and queued
   * transaction messages), reconnect those that were connected, and from then on save the list
   * whenever what it holds changes.
   */
  restore(): RestoreReport {
    const report: RestoreReport = { dir: this.dir, ids: [], reconnecting: [], queuedMessages: 0, framesRestored: 0, failed: [] };
    let saved: SavedRegistry | undefined;
    try {
      saved = this.list.read<SavedRegistry>(LIST_ID, 1);
    } catch (err) {
      report.failed.push((err as Error).message);
    }
    for (const cp of saved?.chargepoints ?? []) {
      try {
        this.recreate(cp, report);
      } catch (err) {
        report.failed.push(`${String(cp?.request?.id)}: ${(err as Error).message}`);
      }
    }
    for (const line of report.failed) this.warn(`state: ${line}`);
    const save = this.list.saver(() => this.save(), (line) => this.warn(line));
    this.registry.on('chargepoint', save);
    this.registry.on('removed', (id: string) => {
      this.forget(id);
      save();
    });
    this.save();
    for (const id of report.reconnecting) this.registry.connect(id).catch(() => undefined); // the failure is the entry's lastError
    return report;
  }

  /** Write the list if what it holds changed (a meter value changes nothing here). */
  save(): void {
    const chargepoints: SavedChargepoint[] = [];
    for (const id of this.registry.ids()) {
      const kept = this.registry.kept(id);
      if (!kept) continue; // adopted from a console script without a create request
      const s = this.registry.summary(id);
      chargepoints.push({ request: kept.request, connected: kept.keepConnected, automation: s.automation, defaults: s.defaults, manualAnswers: s.manualAnswers });
    }
    const text = JSON.stringify(chargepoints);
    if (text === this.lastWritten) return;
    this.list.write(LIST_ID, { version: 1, savedAt: new Date().toISOString(), chargepoints } satisfies SavedRegistry);
    this.lastWritten = text;
  }

  /** Keep every charge point's recent frames (at a clean stop, with `--keep-frames`). */
  saveFrames(): void {
    if (!this.keepFrames) return;
    for (const id of this.registry.ids()) this.frames.write(id, { version: 1, frames: this.registry.frames(id) });
  }

  private recreate(cp: SavedChargepoint, report: RestoreReport): void {
    const { id } = cp.request;
    this.registry.create(cp.request);
    const station = this.registry.get(id);
    Object.assign(station.automation, cp.automation);
    if (cp.defaults === false) this.registry.setDefaults(id, false);
    for (const action of cp.manualAnswers ?? []) this.registry.setManual(id, action, true);
    report.ids.push(id);
    report.queuedMessages += station.station.queue.messages.length;
    if (cp.connected) report.reconnecting.push(id);
    if (this.keepFrames) {
      const kept = this.frames.read<{ version: 1; frames: FrameRecord[] }>(id, 1);
      if (kept) {
        this.registry.restoreFrames(id, kept.frames);
        report.framesRestored++;
      }
    }
  }

  /** A removed charge point's files go too: a new one under its id starts clean. */
  private forget(id: string): void {
    for (const store of [this.frames, new StateStore(this.dir), new StationStateStore(this.dir)]) fs.rmSync(store.fileOf(id), { force: true });
  }
}
