/**
 * Default answers of block B, Provisioning: Get/SetVariables (B05, B06), GetBaseReport and
 * GetReport with their NotifyReport parts (B07, B08), SetNetworkProfile (B09) and Reset (B11,
 * B12).
 * @module
 */
import { OcppError } from '../../ocpp/errors';
import type { NetworkConnectionProfileType, ReportDataType } from '../../ocpp/v201/types';
import { matchesFilter, type ComponentVariableFilter } from '../model/device-model';
import type { StationContext } from '../station/context';
import type { Evse } from '../model/evse';
import { slotUrl } from '../station/network';
import { sendInParts } from './parts';
import type { Behaviours201 } from './types';

/** B06.FR.16: more entries than ItemsPerMessage is an occurrence violation. */
function checkItems(ctx: StationContext, instance: 'GetVariables' | 'SetVariables' | 'GetReport', count: number): void {
  const max = ctx.station.device.int('DeviceDataCtrlr', 'ItemsPerMessage', instance);
  if (max > 0 && count > max) throw new OcppError('OccurrenceConstraintViolation', `${count} entries, ItemsPerMessage[${instance}] is ${max}`);
}

/**
 * Send report entries as NotifyReport parts of `ItemsPerMessage[GetReport]` entries each, with
 * the request's requestId, seqNo from 0 and tbc on all but the last (B07.FR.03/04).
 */
async function sendReport(ctx: StationContext, requestId: number, entries: ReportDataType[]): Promise<void> {
  const generatedAt = new Date(ctx.station.now()).toISOString();
  await sendInParts(ctx, entries, (reportData, seqNo, tbc) => ctx.station.notify('NotifyReport', { requestId, generatedAt, seqNo, tbc, reportData }, true));
}

/**
 * B08: a component meets a criterion when its variable of that name is true; a component without
 * such a variable is taken as active, available and enabled, and without a problem.
 */
function meetsCriteria(ctx: StationContext, i: number, criteria: readonly string[]): boolean {
  const d = ctx.station.device;
  const spec = d.spec(i);
  const evse = spec.evseId === undefined ? undefined : { id: spec.evseId, connectorId: spec.connectorId };
  return criteria.some((criterion) => {
    const flag = d.catalogue.lookup({ name: spec.component, instance: spec.componentInstance, evse }, { name: criterion });
    if (typeof flag === 'string') return criterion !== 'Problem';
    return d.value(flag) === 'true';
  });
}

/** Reboot the station once the answer is out and the queue had a moment to deliver (B11.FR.03, B12.FR.05). */
async function reboot(ctx: StationContext): Promise<void> {
  const s = ctx.station;
  await s.queue.drained(2_000);
  await s.notified(1_000);
  s.bootReason = 'RemoteReset';
  await ctx.lifecycle.reboot();
}

/** Reset one EVSE: it goes Unavailable for a moment and comes back (B11.FR.08). */
function resetEvse(ctx: StationContext, e: Evse): void {
  const was = e.inoperative;
  e.inoperative = true;
  ctx.station.refresh();
  e.inoperative = was;
  ctx.station.refresh();
}

/**
 * What a Reset scheduled for idle does once the transactions it waited for ended (B12.FR.01,
 * B12.FR.07). Returns true when it ran.
 */
export function runScheduledReset(ctx: StationContext, e: Evse): boolean {
  const s = ctx.station;
  const pending = s.scheduledReset;
  if (!pending) return false;
  if (pending.evseId === undefined) {
    if (ctx.transactions.busy()) return false;
    s.scheduledReset = undefined;
    void reboot(ctx);
    return true;
  }
  if (pending.evseId !== e.id) return false;
  s.scheduledReset = undefined;
  resetEvse(ctx, e);
  return true;
}

/**
 * Why a network connection profile cannot be stored: not a ws:// / wss:// endpoint, or a lower
 * security profile than the one in use (B09.FR.04, A05: never back to 1, 3 → 2 only with
 * `AllowSecurityProfileDowngrade`).
 */
function networkProfileProblem(ctx: StationContext, data: NetworkConnectionProfileType): string | undefined {
  if (!slotUrl(data.ocppCsmsUrl, ctx.station.link.id)) return `ocppCsmsUrl ${data.ocppCsmsUrl} is not a ws:// or wss:// URL`;
  const d = ctx.station.device;
  const current = d.int('SecurityCtrlr', 'SecurityProfile');
  if (data.securityProfile >= current) return undefined;
  if (current === 3 && data.securityProfile === 2 && d.bool('SecurityCtrlr', 'AllowSecurityProfileDowngrade')) return undefined;
  return `security profile ${data.securityProfile} is below the current ${current}`;
}

/** Provisioning defaults. */
export const provisioning: Behaviours201 = {
  GetVariables: (req, ctx) => {
    checkItems(ctx, 'GetVariables', req.getVariableData.length);
    const d = ctx.station.device;
    const results = req.getVariableData.map(({ component, variable, attributeType }) => {
      const read = d.get(component, variable, attributeType);
      const result: Record<string, unknown> = { attributeStatus: read.status, component, variable };
      if (attributeType) result.attributeType = attributeType;
      if (read.value !== undefined) result.attributeValue = read.value;
      return result;
    });
    return { response: { getVariableResult: results as never } };
  },

  SetVariables: (req, ctx) => {
    checkItems(ctx, 'SetVariables', req.setVariableData.length);
    const d = ctx.station.device;
    const results = req.setVariableData.map(({ component, variable, attributeType, attributeValue }) => {
      const status = d.set(component, variable, attributeValue, attributeType);
      const result: Record<string, unknown> = { attributeStatus: status, component, variable };
      if (attributeType) result.attributeType = attributeType;
      return result;
    });
    return { response: { setVariableResult: results as never } };
  },

  GetBaseReport: (req, ctx) => {
    const d = ctx.station.device;
    const all = d.catalogue.specs.map((_spec, i) => i);
    const chosen =
      req.reportBase === 'FullInventory' ? all
      : req.reportBase === 'ConfigurationInventory' ? all.filter((i) => d.spec(i).mutability !== 'ReadOnly' && !d.spec(i).live)
      : all.filter((i) => d.spec(i).summary);
    return { response: { status: 'Accepted' }, followUp: () => sendReport(ctx, req.requestId, chosen.map((i) => d.reportEntry(i))) };
  },

  GetReport: (req, ctx) => {
    checkItems(ctx, 'GetReport', req.componentVariable?.length ?? 0);
    const d = ctx.station.device;
    const filters: ComponentVariableFilter[] = req.componentVariable ?? [];
    const criteria = req.componentCriteria ?? [];
    const chosen = d.catalogue.specs
      .map((_spec, i) => i)
      .filter((i) => (filters.length === 0 || filters.some((f) => matchesFilter(d.spec(i), f))) && (criteria.length === 0 || meetsCriteria(ctx, i, criteria)));
    if (chosen.length === 0) return { response: { status: 'EmptyResultSet' } };
    return { response: { status: 'Accepted' }, followUp: () => sendReport(ctx, req.requestId, chosen.map((i) => d.reportEntry(i))) };
  },

  SetNetworkProfile: (req, ctx) => {
    // B09.FR.02: only the slots of NetworkConfigurationPriority's valuesList exist.
    const d = ctx.station.device;
    const priority = d.catalogue.index('OCPPCommCtrlr', 'NetworkConfigurationPriority');
    const slots = priority === undefined ? [] : (d.spec(priority).valuesList?.split(',') ?? []);
    if (!slots.includes(String(req.configurationSlot))) return { response: { status: 'Rejected' } };
    const problem = networkProfileProblem(ctx, req.connectionData);
    if (problem) {
      ctx.station.warn(`SetNetworkProfile slot ${req.configurationSlot} Rejected: ${problem}`);
      return { response: { status: 'Rejected', statusInfo: { reasonCode: 'InvalidProfile', additionalInfo: problem } } };
    }
    ctx.station.networkProfiles.set(req.configurationSlot, req.connectionData);
    ctx.station.changed();
    return { response: { status: 'Accepted' } };
  },

  Reset: (req, ctx) => {
    const s = ctx.station;
    const t = ctx.transactions;
    const immediate = req.type === 'Immediate';
    if (req.evseId !== undefined && req.evseId > 0) {
      const e = s.evse(req.evseId);
      if (!e) return { response: { status: 'Rejected' } };
      if (!immediate && t.busy(e)) {
        s.scheduledReset = { evseId: e.id };
        return { response: { status: 'Scheduled' } };
      }
      return {
        response: { status: 'Accepted' },
        followUp: () => {
          t.end(e, { trigger: 'ResetCommand', reason: 'ImmediateReset' });
          resetEvse(ctx, e);
        },
      };
    }
    if (!immediate && t.busy()) {
      s.scheduledReset = {};
      return { response: { status: 'Scheduled' } };
    }
    return {
      response: { status: 'Accepted' },
      followUp: () => {
        // B12.FR.02: an Immediate reset ends every transaction first (ResetCommand / ImmediateReset).
        for (const e of s.evses) t.end(e, { trigger: 'ResetCommand', reason: 'ImmediateReset' });
        return reboot(ctx);
      },
    };
  },
};
