/**
 * Variable monitors of the 2.0.1 device model (N04, N07, N08) as data and rules: what a monitor
 * is, whether a SetMonitoringData entry may install one (N04.FR.05/06/14), and what a new value
 * means for a threshold or delta monitor (N07.FR.06/07/16-19). No timers and no sending here:
 * the station's {@link Monitoring} runs them.
 * @module
 */
import type { EventNotificationEnumType, EventTriggerEnumType, MonitorEnumType, MonitoringCriterionEnumType, SetMonitoringStatusEnumType } from '../../ocpp/v201/types';
import type { VariableSpec } from './catalogue';

/** Where a monitor comes from: the CSMS, the manufacturer's configuration, or the hardware (never removed). */
export type MonitorOrigin = 'CustomMonitor' | 'PreconfiguredMonitor' | 'HardWiredMonitor';

/** One installed monitor. */
export interface VariableMonitor {
  /** Id, unique on the station. */
  id: number;
  /** The monitored variable's index in the device catalogue. */
  variable: number;
  /** Kind of monitor. */
  type: MonitorEnumType;
  /** Threshold, delta, or interval in seconds (Periodic kinds). */
  value: number;
  /** 0 (Danger) … 9 (Debug). */
  severity: number;
  /** Only active while a transaction runs (N04.FR.08 transaction flag). */
  transaction: boolean;
  /** Who installed it. */
  origin: MonitorOrigin;
}

/** Monitor types per GetMonitoringReport criterion (N02.FR.03-06). */
export const CRITERION_TYPES: Record<MonitoringCriterionEnumType, readonly MonitorEnumType[]> = {
  ThresholdMonitoring: ['UpperThreshold', 'LowerThreshold'],
  DeltaMonitoring: ['Delta'],
  PeriodicMonitoring: ['Periodic', 'PeriodicClockAligned'],
};

const NUMERIC = new Set(['integer', 'decimal']);

/** True for a variable whose value is a number (thresholds and numeric deltas apply). */
export function numericVariable(spec: VariableSpec): boolean {
  return NUMERIC.has(spec.dataType);
}

/**
 * Why a monitor of this type and value cannot watch this variable, as a SetMonitoringResult
 * status and a reason, or undefined when it can.
 */
export function monitorProblem(spec: VariableSpec, type: MonitorEnumType, value: number): { status: SetMonitoringStatusEnumType; reason: string } | undefined {
  const threshold = type === 'UpperThreshold' || type === 'LowerThreshold';
  // N04.FR.05: a threshold needs a number to compare with.
  if (threshold && !numericVariable(spec)) return { status: 'UnsupportedMonitorType', reason: `${spec.variable} is ${spec.dataType}, not numeric` };
  // N04.FR.06: a threshold outside the variable's limits can never be crossed.
  if (threshold && ((spec.minLimit !== undefined && value < spec.minLimit) || (spec.maxLimit !== undefined && value > spec.maxLimit))) {
    return { status: 'Rejected', reason: `threshold ${value} outside ${spec.minLimit ?? '-∞'}..${spec.maxLimit ?? '∞'}` };
  }
  // N04.FR.14: a delta is a positive amount; a period is a positive number of seconds.
  if (type === 'Delta' && value < 0) return { status: 'Rejected', reason: 'a delta must not be negative' };
  if ((type === 'Periodic' || type === 'PeriodicClockAligned') && !(value >= 1)) return { status: 'Rejected', reason: 'a period is at least 1 s' };
  return undefined;
}

/** What a monitor reports about a value: an event to send, and the state to keep. */
export interface Verdict {
  /** The event's trigger. */
  trigger: EventTriggerEnumType;
  /** The threshold alert ended (the value came back). */
  cleared?: boolean;
}

/**
 * Judge a new value against a threshold or delta monitor. `alerting` says whether a threshold
 * alert is standing; `reference` is the value a delta measures from (the value at the last
 * event, or when the monitor was set).
 */
export function judge(m: VariableMonitor, spec: VariableSpec, value: string, alerting: boolean, reference: string | undefined): Verdict | undefined {
  switch (m.type) {
    case 'UpperThreshold':
    case 'LowerThreshold': {
      const n = Number(value);
      if (value === '' || !Number.isFinite(n)) return undefined;
      // N07.FR.06/16: above the upper (below the lower) threshold raises an alert; N07.FR.07/17: back inside clears it.
      const beyond = m.type === 'UpperThreshold' ? n > m.value : n < m.value;
      if (beyond === alerting) return undefined;
      return beyond ? { trigger: 'Alerting' } : { trigger: 'Alerting', cleared: true };
    }
    case 'Delta': {
      if (reference === undefined || value === reference) return undefined;
      // N07.FR.18: numeric values report a change of at least the delta; N07.FR.19: others every change.
      if (numericVariable(spec) && Math.abs(Number(value) - Number(reference)) < m.value) return undefined;
      return { trigger: 'Delta' };
    }
    default:
      return undefined;
  }
}

/** The eventNotificationType of a monitor's event. */
export function notificationType(m: VariableMonitor): EventNotificationEnumType {
  return m.origin;
}
