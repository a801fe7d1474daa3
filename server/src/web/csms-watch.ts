/**
 * What the web UI shows of the embedded mock CSMS beyond its books: per station, the frames the
 * CSMS exchanged with it (paired, with round trips, as on the charge-point side) and an event
 * stream (connected, disconnected, boot, transactions, refusals, probe findings), both in small
 * rings; the meter values it received per transaction ({@link MeterSeries}); its probe findings
 * with their severity. The bridge relays the news to the tabs that watch (`csms-feed.ts`).
 * @module
 */
import { EventEmitter } from 'node:events';
import type { MockCsms } from '../csms/mock-csms';
import type { ConnectedStation } from '../csms/csms-options';
import { MeterSeries, type MeterSeriesRecord } from '../csms/meter-series';
import { PROBE_SEVERITY, type Finding } from '../csms/probes';
import type { TransactionRecord } from '../csms/transactions';
import type { FrameEvent } from '../ocpp/endpoint';
import type { Payload } from '../ocpp/frames';
import { Traffic, iso, type FrameRecord } from './records';

/** One line of a station's event stream in the CSMS view. */
export interface CsmsEvent {
  /** Increasing per station. */
  seq: number;
  /** ISO time. */
  at: string;
  /** What happened. */
  kind: 'connected' | 'disconnected' | 'boot' | 'transaction-started' | 'transaction-ended' | 'refused' | 'warning' | 'finding';
  /** Severity. */
  level: 'info' | 'warning' | 'error';
  /** One readable line. */
  text: string;
}

/** A probe finding with its station and severity, as the CSMS view lists it. */
export interface CsmsFinding extends Finding {
  /** Charge point id. */
  cpId: string;
  /** See {@link PROBE_SEVERITY}. */
  severity: 'error' | 'warning';
}

/** Frames kept per station (the charge-point side keeps 1,000; a CSMS may serve thousands of stations). */
const FRAMES_PER_STATION = 300;
/** Events kept per station. */
const EVENTS_PER_STATION = 200;
/** Stations whose log is kept; beyond, the longest-known disconnected one is forgotten. */
const MAX_STATIONS = 2000;
/** Findings the list returns. */
const MAX_FINDINGS = 500;

/** One station's log. */
interface StationLog {
  traffic: Traffic;
  events: CsmsEvent[];
  eventSeq: number;
}

/**
 * Watches one mock CSMS. Events: `frame` (cpId, {@link FrameRecord}), `event` (cpId,
 * {@link CsmsEvent}), `points` (cpId, {@link MeterSeriesRecord} with the new points), `finding`
 * ({@link CsmsFinding}).
 */
export class CsmsWatch extends EventEmitter {
  /** The meter values received per transaction. */
  readonly series = new MeterSeries();
  private readonly logs = new Map<string, StationLog>();
  private readonly unlisten: (() => void)[] = [];

  /**
   * Start watching.
   * @param csms The embedded mock CSMS.
   */
  constructor(private readonly csms: MockCsms) {
    super();
    const on = <A extends unknown[]>(source: EventEmitter, event: string, fn: (...args: A) => void): void => {
      source.on(event, fn as (...args: unknown[]) => void);
      this.unlisten.push(() => source.off(event, fn as (...args: unknown[]) => void));
    };
    on(csms, 'frame', (station: ConnectedStation, e: FrameEvent) => this.emit('frame', station.id, this.logOf(station.id).traffic.frame(e)));
    on(csms, 'connect', (station: ConnectedStation) => this.event(station.id, 'connected', 'info', `connected: OCPP ${station.version} from ${station.address}`));
    on(csms, 'disconnect', (station: ConnectedStation) => {
      this.logOf(station.id).traffic.closed();
      this.event(station.id, 'disconnected', 'info', 'disconnected');
    });
    on(csms, 'answered', (station: ConnectedStation, action: string, request: Payload, response: Payload) => {
      if (action === 'BootNotification') {
        const status = String(response.status);
        this.event(station.id, 'boot', status === 'Accepted' ? 'info' : 'warning', `boot ${status}: ${bootName(request)}`);
      }
      this.series.take(station.dialect, station.id, action, request, response);
    });
    on(csms, 'refusedCall', (station: ConnectedStation, action: string, code: string, description: string) =>
      this.event(station.id, 'refused', 'warning', `${action} refused: ${code} ${description}`),
    );
    on(csms, 'warning', (station: ConnectedStation | undefined, line: string) => station && this.event(station.id, 'warning', 'warning', line));
    on(csms.transactions, 'transaction', (tx: TransactionRecord, what: 'start' | 'stop') =>
      what === 'start'
        ? this.event(tx.cpId, 'transaction-started', 'info', `transaction ${tx.transactionId} started on ${tx.connectorId}${tx.idTag ? ` for ${tx.idTag}` : ''}`)
        : this.event(tx.cpId, 'transaction-ended', 'info', `transaction ${tx.transactionId} ended (${tx.reason ?? 'Local'}), ${tx.energyWh} Wh`),
    );
    on(this.series, 'points', (cpId: string, record: MeterSeriesRecord) => this.emit('points', cpId, record));
    if (csms.probes) {
      on(csms.probes, 'finding', (cpId: string, finding: Finding) => {
        const row = findingRow(cpId, finding);
        this.event(cpId, 'finding', row.severity, `${finding.probe}: ${finding.detail}`);
        this.emit('finding', row);
      });
    }
  }

  /**
   * A station's frames after `since` (a seq) and its events, oldest first (empty for an unknown one).
   * @param cpId Charge point id.
   * @param since Only frames with a larger seq.
   */
  log(cpId: string, since = 0): { frames: FrameRecord[]; events: CsmsEvent[] } {
    const log = this.logs.get(cpId);
    return log ? { frames: log.traffic.framesSince(since), events: [...log.events] } : { frames: [], events: [] };
  }

  /** The probe findings of every station, oldest first (the newest {@link MAX_FINDINGS}). */
  findings(): CsmsFinding[] {
    const rows = Object.entries(this.csms.probes?.report() ?? {}).flatMap(([cpId, list]) => list.map((f) => findingRow(cpId, f)));
    return rows.sort((a, b) => a.at.localeCompare(b.at)).slice(-MAX_FINDINGS);
  }

  /** Stop watching. */
  close(): void {
    for (const off of this.unlisten.splice(0)) off();
  }

  private event(cpId: string, kind: CsmsEvent['kind'], level: CsmsEvent['level'], text: string): void {
    const log = this.logOf(cpId);
    const event: CsmsEvent = { seq: ++log.eventSeq, at: iso(), kind, level, text };
    log.events.push(event);
    while (log.events.length > EVENTS_PER_STATION) log.events.shift();
    this.emit('event', cpId, event);
  }

  private logOf(cpId: string): StationLog {
    let log = this.logs.get(cpId);
    if (log) return log;
    this.logs.set(cpId, (log = { traffic: new Traffic(FRAMES_PER_STATION), events: [], eventSeq: 0 }));
    if (this.logs.size > MAX_STATIONS) {
      const gone = [...this.logs.keys()].find((id) => !this.csms.stations.has(id));
      if (gone !== undefined) this.logs.delete(gone);
    }
    return log;
  }
}

function findingRow(cpId: string, finding: Finding): CsmsFinding {
  return { cpId, severity: PROBE_SEVERITY[finding.probe], ...finding };
}

/** Vendor, model and firmware of a BootNotification, 1.6 or 2.0.1 (B01: `chargingStation`). */
function bootName(request: Payload): string {
  const cs = (request.chargingStation as Payload | undefined) ?? request;
  const parts = [cs.chargePointVendor ?? cs.vendorName, cs.chargePointModel ?? cs.model, cs.firmwareVersion].filter((p) => typeof p === 'string');
  return parts.join(' ') || 'no details';
}
