/**
 * Default answers of block N, monitoring: SetVariableMonitoring (N04), ClearVariableMonitoring
 * (N06), SetMonitoringBase (N03), SetMonitoringLevel (N05) and GetMonitoringReport with its
 * NotifyMonitoringReport parts (N02), on the station's {@link Monitoring}.
 * @module
 */
import { OcppError } from '../../ocpp/errors';
import type { MonitoringDataType, VariableMonitoringType } from '../../ocpp/v201/types';
import { matchesFilter } from '../model/device-model';
import { CRITERION_TYPES, type VariableMonitor } from '../model/monitors';
import { addressOf } from '../station/monitoring';
import type { StationContext } from '../station/context';
import { sendInParts } from './parts';
import type { Behaviours201 } from './types';

/** N04.FR.09 / N06: more entries than `MonitoringCtrlr.ItemsPerMessage[…]` is an occurrence violation. */
function checkItems(ctx: StationContext, instance: 'SetVariableMonitoring' | 'ClearVariableMonitoring', count: number): void {
  const max = ctx.station.device.int('MonitoringCtrlr', 'ItemsPerMessage', instance);
  if (max > 0 && count > max) throw new OcppError('OccurrenceConstraintViolation', `${count} entries, ItemsPerMessage[${instance}] is ${max}`);
}

/** Monitors grouped by variable as NotifyMonitoringReport entries, in catalogue order. */
function reportEntries(ctx: StationContext, monitors: readonly VariableMonitor[]): MonitoringDataType[] {
  const byVariable = new Map<number, VariableMonitoringType[]>();
  for (const m of [...monitors].sort((a, b) => a.variable - b.variable || a.id - b.id)) {
    const list = byVariable.get(m.variable) ?? [];
    list.push({ id: m.id, transaction: m.transaction, value: m.value, type: m.type, severity: m.severity });
    byVariable.set(m.variable, list);
  }
  return [...byVariable].map(([i, list]) => ({ ...addressOf(ctx.station, i), variableMonitoring: list as MonitoringDataType['variableMonitoring'] }));
}

/** Send the report in parts (N02.FR.07). */
async function sendMonitoringReport(ctx: StationContext, requestId: number, entries: MonitoringDataType[]): Promise<void> {
  const generatedAt = new Date(ctx.station.now()).toISOString();
  await sendInParts(ctx, entries, (monitor, seqNo, tbc) => ctx.station.notify('NotifyMonitoringReport', { requestId, generatedAt, seqNo, tbc, monitor }, true));
}

/** Monitoring defaults. */
export const monitoring: Behaviours201 = {
  SetVariableMonitoring: (req, ctx) => {
    checkItems(ctx, 'SetVariableMonitoring', req.setMonitoringData.length);
    const results = req.setMonitoringData.map((data) => ctx.monitoring.set(data));
    return { response: { setMonitoringResult: results as never } };
  },

  ClearVariableMonitoring: (req, ctx) => {
    checkItems(ctx, 'ClearVariableMonitoring', req.id.length);
    const results = req.id.map((id) => ({ id, status: ctx.monitoring.clear(id) }));
    return { response: { clearMonitoringResult: results as never } };
  },

  SetMonitoringBase: (req, ctx) => {
    ctx.monitoring.setBase(req.monitoringBase);
    return { response: { status: 'Accepted' } };
  },

  // N05.FR.02: a severity outside 0..9 is refused.
  SetMonitoringLevel: (req, ctx) => {
    if (!Number.isInteger(req.severity) || req.severity < 0 || req.severity > 9) return { response: { status: 'Rejected' } };
    ctx.station.device.put('MonitoringCtrlr', 'ActiveMonitoringLevel', String(req.severity));
    return { response: { status: 'Accepted' } };
  },

  GetMonitoringReport: (req, ctx) => {
    const d = ctx.station.device;
    const types = req.monitoringCriteria?.flatMap((c) => CRITERION_TYPES[c]);
    const filters = req.componentVariable ?? [];
    // N02.FR.08-14: monitors of the given kinds on the given components / variables.
    const chosen = [...ctx.monitoring.monitors.values()].filter(
      (m) => (!types || types.includes(m.type)) && (filters.length === 0 || filters.some((f) => matchesFilter(d.spec(m.variable), f))),
    );
    if (chosen.length === 0) return { response: { status: 'EmptyResultSet' } };
    return { response: { status: 'Accepted' }, followUp: () => sendMonitoringReport(ctx, req.requestId, reportEntries(ctx, chosen)) };
  },
};
