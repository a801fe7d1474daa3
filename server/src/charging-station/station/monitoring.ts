/**
 * Variable monitoring of one 2.0.1 station at work (N03-N08): the installed monitors
 * (hard-wired, pre-configured and custom), their evaluation when a device-model value changes
 * (a SetVariables write, the EVSE power the meter draws, a connector status: the station calls
 * {@link Monitoring.valueChanged} / {@link Monitoring.liveChanged}, nothing polls), periodic
 * monitors on the station's Scheduler, and the NotifyEvent that reports what they saw,
 * filtered by `ActiveMonitoringLevel` and, offline, queued up to `OfflineQueuingSeverity`.
 * @module
 */
import type { TimerHandle } from '../../ocpp/scheduler';
import type { ComponentType, EventDataType, MonitoringBaseEnumType, SetMonitoringDataType, SetMonitoringResultType, VariableType } from '../../ocpp/v201/types';
import { judge, monitorProblem, type Verdict, type VariableMonitor } from '../model/monitors';
import type { StationModel } from './station';

/** An installed monitor with what it watches by (kept on the monitor: no per-station side tables). */
export interface WatchedMonitor extends VariableMonitor {
  /** A threshold alert stands. */
  alerting?: boolean;
  /** The value a delta measures from (the value at the last event, or when the monitor was set). */
  reference?: string;
  /** A periodic monitor's timer. */
  timer?: TimerHandle;
}

/** A monitor as kept in the state directory: its variable by persistence key. */
export type SavedMonitor = Omit<VariableMonitor, 'variable'> & { key: string };

const DAY_MS = 86_400_000;

/** The component and variable of a catalogue entry, as OCPP addresses them. */
export function addressOf(s: StationModel, i: number): { component: ComponentType; variable: VariableType } {
  const e = s.device.reportEntry(i);
  return { component: e.component, variable: e.variable };
}

/** The monitors of one station. */
export class Monitoring {
  /** Installed monitors by id. */
  readonly monitors = new Map<number, WatchedMonitor>();
  private nextId = 1;
  /** While a CSMS call is being answered, events wait here: the answer goes first. */
  private held: EventDataType[] | undefined;
  private holds = 0;

  /**
   * Install the station's factory monitors.
   * @param s The station.
   */
  constructor(private readonly s: StationModel) {
    for (const m of this.factory()) this.install(m);
  }

  /**
   * The manufacturer's monitors: a hard-wired one on `ChargingStation.Problem` (never removed,
   * N06.FR.03) and a pre-configured UpperThreshold on each EVSE's power at its rating.
   */
  private factory(): VariableMonitor[] {
    const c = this.s.device.catalogue;
    const out: VariableMonitor[] = [];
    const problem = c.index('ChargingStation', 'Problem');
    if (problem !== undefined) out.push({ id: 1, variable: problem, type: 'Delta', value: 1, severity: 1, transaction: false, origin: 'HardWiredMonitor' });
    for (const e of this.s.evses) {
      const power = c.index('EVSE', 'Power', undefined, e.id);
      if (power !== undefined) out.push({ id: 1 + e.id, variable: power, type: 'UpperThreshold', value: e.maxPowerW, severity: 4, transaction: false, origin: 'PreconfiguredMonitor' });
    }
    return out;
  }

  private get d() {
    return this.s.device;
  }

  // ---- installing and removing ----

  /** SetVariableMonitoring, one entry (N04). */
  set(data: SetMonitoringDataType): SetMonitoringResultType {
    const { component, variable, type, severity } = data;
    const result = (status: SetMonitoringResultType['status'], reason?: string, id?: number): SetMonitoringResultType => {
      const r: SetMonitoringResultType = { status, type, severity, component, variable };
      if (id !== undefined) r.id = id;
      if (reason) r.statusInfo = { reasonCode: status === 'Accepted' ? 'Accepted' : 'InvalidValue', additionalInfo: reason.slice(0, 512) };
      return r;
    };
    if (!this.d.bool('MonitoringCtrlr', 'Enabled')) return result('Rejected', 'MonitoringCtrlr.Enabled is false');
    // N04.FR.03/04: unknown component or variable.
    const i = this.d.catalogue.lookup(component, variable);
    if (typeof i === 'string') return result(i);
    const spec = this.d.spec(i);
    const problem = monitorProblem(spec, type, data.value);
    if (problem) return result(problem.status, problem.reason);
    const existing = data.id === undefined ? undefined : this.monitors.get(data.id);
    if (data.id !== undefined) {
      // N04.FR.12: an id replaces that monitor; N04.FR.16: of the same variable only; hard-wired ones stay.
      if (!existing) return result('Rejected', `no monitor ${data.id}`);
      if (existing.variable !== i) return result('Rejected', `monitor ${data.id} watches another variable`);
      if (existing.origin === 'HardWiredMonitor') return result('Rejected', `monitor ${data.id} is hard-wired`);
    }
    // N04.FR.10: one monitor per type and severity on a variable.
    for (const m of this.monitors.values()) {
      if (m !== existing && m.variable === i && m.type === type && m.severity === severity) return result('Duplicate');
    }
    // N04.FR.15: an altered pre-configured monitor becomes the CSMS's (FactoryDefault restores it).
    const id = existing?.id ?? this.freeId();
    if (existing) this.uninstall(existing, false);
    this.install({ id, variable: i, type, value: data.value, severity, transaction: data.transaction ?? false, origin: 'CustomMonitor' });
    this.s.changed();
    return result('Accepted', undefined, id);
  }

  /** ClearVariableMonitoring, one id (N06): hard-wired monitors cannot be cleared. */
  clear(id: number): 'Accepted' | 'Rejected' | 'NotFound' {
    const m = this.monitors.get(id);
    if (!m) return 'NotFound';
    if (m.origin === 'HardWiredMonitor') return 'Rejected';
    this.uninstall(m, true);
    this.s.changed();
    return 'Accepted';
  }

  /**
   * SetMonitoringBase (N03): All and FactoryDefault activate the pre-configured monitors,
   * FactoryDefault and HardWiredOnly remove the custom ones (N03.FR.04/05), FactoryDefault
   * restores altered pre-configured monitors (N04.FR.15).
   */
  setBase(base: MonitoringBaseEnumType): void {
    this.d.put('MonitoringCtrlr', 'ActiveMonitoringBase', base);
    if (base !== 'All') {
      for (const m of [...this.monitors.values()]) if (m.origin === 'CustomMonitor') this.uninstall(m, false);
      for (const m of this.factory()) if (!this.monitors.has(m.id)) this.install(m);
    }
    this.s.changed();
  }

  private freeId(): number {
    while (this.monitors.has(this.nextId)) this.nextId++;
    return this.nextId++;
  }

  private install(m: WatchedMonitor): void {
    this.monitors.set(m.id, m);
    if (m.type === 'Periodic' || m.type === 'PeriodicClockAligned') return this.arm(m);
    if (m.type === 'Delta') m.reference = this.d.value(m.variable) ?? '';
    // N07.FR.11: a threshold the value already violates raises its alert now.
    else this.check(m);
  }

  /** Remove a monitor; `report` sends the clearing of a standing alert (N07.FR.12). */
  private uninstall(m: WatchedMonitor, report: boolean): void {
    this.monitors.delete(m.id);
    this.s.link.scheduler.cancel(m.timer);
    if (m.alerting && report) this.send([this.event(m, { trigger: 'Alerting', cleared: true })]);
  }

  // ---- evaluating ----

  /** Whether a monitor watches now: monitoring enabled, its origin within the base, its transaction running. */
  private active(m: VariableMonitor): boolean {
    if (!this.d.bool('MonitoringCtrlr', 'Enabled')) return false;
    if (m.origin === 'PreconfiguredMonitor' && this.d.str('MonitoringCtrlr', 'ActiveMonitoringBase') === 'HardWiredOnly') return false;
    return !m.transaction || this.transactionOf(m) !== undefined;
  }

  /** The transaction running where the monitored variable is (its EVSE, or any for a station-wide one). */
  private transactionOf(m: VariableMonitor): string | undefined {
    const evseId = this.d.spec(m.variable).evseId;
    const evses = evseId === undefined ? this.s.evses : this.s.evses.filter((e) => e.id === evseId);
    return evses.find((e) => e.transaction)?.transaction?.id;
  }

  /** A stored variable changed (SetVariables, the station itself). */
  valueChanged(i: number): void {
    const events: EventDataType[] = [];
    for (const m of this.monitors.values()) if (m.variable === i) this.check(m, events);
    this.send(events);
  }

  /** The live station changed (power, a status): re-judge the monitors of live variables, the clock aside. */
  liveChanged(): void {
    if (this.monitors.size === 0) return;
    const events: EventDataType[] = [];
    for (const m of this.monitors.values()) {
      const live = this.d.spec(m.variable).live;
      if (live && live !== 'clock') this.check(m, events);
    }
    this.send(events);
  }

  /** Judge a threshold or delta monitor against the variable's value now; collect or send its event. */
  private check(m: WatchedMonitor, into?: EventDataType[]): void {
    if (m.type === 'Periodic' || m.type === 'PeriodicClockAligned') return;
    const value = this.d.value(m.variable) ?? '';
    if (!this.active(m)) {
      // An inactive monitor (its transaction ended, monitoring off) starts afresh when it watches again.
      m.alerting = false;
      if (m.type === 'Delta') m.reference = value;
      return;
    }
    const verdict = judge(m, this.d.spec(m.variable), value, m.alerting === true, m.reference);
    if (!verdict) return;
    if (m.type === 'Delta') m.reference = value;
    else m.alerting = !verdict.cleared;
    const event = this.event(m, verdict);
    if (into) into.push(event);
    else this.send([event]);
  }

  /** Start a periodic monitor's timer: every `value` s, or at each multiple of it since midnight UTC. */
  private arm(m: WatchedMonitor): void {
    const sch = this.s.link.scheduler;
    const period = m.value * 1000;
    const now = sch.now();
    const wait = m.type === 'PeriodicClockAligned' ? period - ((now % DAY_MS) % period) : period;
    m.timer = sch.after(wait, () => {
      this.arm(m);
      // N08.FR.05/06: the value every period, trigger Periodic.
      if (this.active(m)) this.send([this.event(m, { trigger: 'Periodic' })]);
    });
  }

  /** Stop every timer (the station closes). */
  stop(): void {
    for (const m of this.monitors.values()) this.s.link.scheduler.cancel(m.timer);
  }

  // ---- reporting ----

  /**
   * Hold events back while a CSMS call is answered, so a change that call made is reported after
   * its response (N07 after N04/B05, as F06.FR.05 orders follow-ups); {@link Monitoring.release}
   * sends them.
   */
  hold(): void {
    this.holds++;
    this.held ??= [];
  }

  /** The answer is out: send what was held (once the last hold ends). */
  release(): void {
    if (--this.holds > 0) return;
    const events = this.held ?? [];
    this.held = undefined;
    this.send(events);
  }

  private event(m: VariableMonitor, verdict: Verdict): EventDataType {
    const spec = this.d.spec(m.variable);
    // N07.FR.10: a WriteOnly value is never reported.
    const actual = spec.mutability === 'WriteOnly' ? '' : (this.d.value(m.variable) ?? '');
    const e: EventDataType = {
      eventId: this.s.nextEvent(),
      timestamp: new Date(this.s.now()).toISOString(),
      trigger: verdict.trigger,
      actualValue: actual.slice(0, 2500),
      variableMonitoringId: m.id,
      eventNotificationType: m.origin,
      ...addressOf(this.s, m.variable),
    };
    if (verdict.cleared) e.cleared = true;
    const tx = this.transactionOf(m);
    if (tx) e.transactionId = tx;
    return e;
  }

  /**
   * Send events as one NotifyEvent (N07.FR.02). N05.FR.01: only events of severity ≤
   * `ActiveMonitoringLevel`; N07.FR.04: offline, those of severity ≤ `OfflineQueuingSeverity`
   * wait in the guaranteed-delivery queue, the rest are dropped.
   */
  private send(events: EventDataType[]): void {
    if (this.held) {
      this.held.push(...events);
      return;
    }
    const level = this.d.int('MonitoringCtrlr', 'ActiveMonitoringLevel');
    const severityOf = (e: EventDataType): number => this.monitors.get(e.variableMonitoringId!)?.severity ?? 0;
    let wanted = events.filter((e) => severityOf(e) <= level);
    if (!this.s.online) wanted = wanted.filter((e) => severityOf(e) <= this.d.int('MonitoringCtrlr', 'OfflineQueuingSeverity'));
    if (wanted.length === 0) return;
    const payload = { generatedAt: new Date(this.s.now()).toISOString(), seqNo: 0, eventData: wanted };
    if (this.s.online) void this.s.notify('NotifyEvent', payload as never);
    else this.s.enqueue('NotifyEvent', payload);
  }

  // ---- persistence ----

  /** The monitors worth keeping across a restart (N07.FR.13): all but the factory's unaltered ones. */
  snapshot(): SavedMonitor[] {
    const keys = this.d.catalogue.keys;
    return [...this.monitors.values()]
      .filter((m) => m.origin === 'CustomMonitor')
      .map(({ id, variable, type, value, severity, transaction, origin }) => ({ id, type, value, severity, transaction, origin, key: keys[variable]! }));
  }

  /** Restore saved monitors (unknown variables skipped). */
  restore(saved: readonly SavedMonitor[]): void {
    for (const { key, ...rest } of saved) {
      const variable = this.d.catalogue.indexOfKey(key);
      if (variable === undefined) continue;
      const old = this.monitors.get(rest.id);
      if (old) this.uninstall(old, false);
      this.install({ ...rest, variable });
    }
  }
}
