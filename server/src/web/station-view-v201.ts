/**
 * The {@link StationView} of an OCPP 2.0.1 charging station: EVSEs with their connectors, the
 * device model as rows (one per variable attribute) written through the station's own
 * SetVariables behaviour (B05), the 2.0.1 templates.
 * @module
 */
import { DEFAULT_BEHAVIOURS_201 } from '../charging-station/behaviour/index';
import type { ChargingStation } from '../charging-station/charging-station';
import type { VariableSpec } from '../charging-station/model/catalogue';
import type { Evse } from '../charging-station/model/evse';
import { ocpp201 } from '../ocpp/v201/protocol';
import type { IdTokenEnumType, ReportDataType, SetVariablesRequest } from '../ocpp/v201/types';
import { SchemaValidator } from '../ocpp/validator';
import type { Telemetry } from '../ev/telemetry';
import { evSummary, iso, RegistryError, withEv, type EvseSummary } from './records';
import type { BoardAddress, SettingOutcome, StationView, VersionSummary } from './station-view';
import { CSMS_ACTIONS_201, STATION_ACTIONS_201, templatesFor201 } from './templates-v201';

/** One attribute of one device-model variable, as the UI's table lists it. */
export interface VariableRow {
  /** The component: name, instance, EVSE (and connector). */
  component: ReportDataType['component'];
  /** The variable: name and instance. */
  variable: ReportDataType['variable'];
  /** Actual, Target, MinSet or MaxSet. */
  attributeType: string;
  /** The value (absent for WriteOnly variables and unset attributes). */
  value?: string;
  /** ReadOnly, WriteOnly or ReadWrite. */
  mutability: string;
  /** Data type, unit, limits, valuesList. */
  characteristics: NonNullable<ReportDataType['variableCharacteristics']>;
}

const EVSE_OPS = ['plug-in', 'unplug', 'park', 'depart', 'present-token', 'start', 'stop', 'suspend', 'resume', 'fault', 'clear-fault', 'ev'];
const ID_TOKEN_TYPES: readonly IdTokenEnumType[] = ['Central', 'eMAID', 'ISO14443', 'ISO15693', 'KeyCode', 'Local', 'MacAddress', 'NoAuthorization'];

/** The idToken of a request body (`idToken`, `type` default ISO14443), or a 400. */
function idTokenOf(b: Record<string, unknown>): { idToken: string; type: IdTokenEnumType } {
  const type = (b.type ?? 'ISO14443') as IdTokenEnumType;
  if (typeof b.idToken !== 'string' || b.idToken === '' || b.idToken.length > 36) throw new RegistryError(400, 'idToken is required (1 to 36 characters)');
  if (!ID_TOKEN_TYPES.includes(type)) throw new RegistryError(400, `type must be one of ${ID_TOKEN_TYPES.join(', ')}`);
  return { idToken: b.idToken, type };
}

/** Why SetVariables refused a value, from the variable's rules (B05.FR.07 type and limits, ReadOnly). */
function refusalReason(spec: VariableSpec | undefined, status: string, value: string, name: string): string {
  if (status === 'UnknownComponent') return `no component ${name.split('.')[0]} at that instance / EVSE`;
  if (status === 'UnknownVariable') return `no variable ${name}`;
  if (!spec) return status;
  if (status === 'NotSupportedAttributeType') return `${name} has only the attribute types ${(spec.attributes ?? ['Actual']).join(', ')}`;
  if (spec.mutability === 'ReadOnly') return `${name} is ReadOnly`;
  if (spec.live) return `${name} mirrors the station's state (read-only)`;
  const rules = [`dataType ${spec.dataType}`];
  if (spec.minLimit !== undefined) rules.push(`minLimit ${spec.minLimit}`);
  if (spec.maxLimit !== undefined) rules.push(`maxLimit ${spec.maxLimit}`);
  if (spec.valuesList) rules.push(`valuesList ${spec.valuesList}`);
  return `${JSON.stringify(value)} does not fit ${name}: ${rules.join(', ')}`;
}

/** The UI's face of a 2.0.1 station. */
export class StationViewV201 implements StationView {
  readonly protocol = 'ocpp2.0.1';
  readonly table = ocpp201;
  readonly stationActions = STATION_ACTIONS_201;
  readonly csmsActions = CSMS_ACTIONS_201;
  readonly settingsKind = 'variables';

  /** @param cs The station. */
  constructor(private readonly cs: ChargingStation) {}

  get telemetry(): Telemetry | undefined {
    return this.cs.transactions.telemetry;
  }

  summarize(): VersionSummary {
    const s = this.cs.station;
    const now = this.cs.scheduler.now();
    const evses = s.evses.map((e): EvseSummary => {
      e.meter.advance(now);
      const out: EvseSummary = {
        id: e.id,
        connectors: e.connectors.map((c) => ({ id: c.id, type: c.type, status: c.status, plugged: c.plugged, faulted: c.faulted })),
        energyWh: Math.floor(e.meter.registerWh),
        powerW: Math.round(e.meter.powerW),
        ...evSummary(e.ev, e.meter),
      };
      const tx = e.transaction;
      if (tx) {
        out.transaction = { id: tx.id, startedAt: iso(tx.startedAt), chargingState: tx.chargingState, seqNo: tx.seqNo };
        if (tx.cost !== undefined) out.transaction.cost = tx.cost;
        if (tx.auth) out.transaction.idToken = tx.auth.idToken.idToken;
      }
      if (e.pending) out.authorizedToken = e.pending.idToken.idToken;
      if (e.reservation) out.reservationId = e.reservation.id;
      return out;
    });
    return { protocol: this.protocol, bootState: s.bootState, securityProfile: s.device.int('SecurityCtrlr', 'SecurityProfile'), connectors: [], evses, display: this.cs.displayedMessages() };
  }

  templates(): Record<string, object> {
    return templatesFor201(this.cs);
  }

  async operate(address: BoardAddress, op: string, b: Record<string, unknown>): Promise<void> {
    if (!('evse' in address)) throw new RegistryError(400, 'an OCPP 2.0.1 station is driven per EVSE: /evses/:evseId/:op');
    if (!EVSE_OPS.includes(op)) throw new RegistryError(400, `unknown operation ${op}: ${EVSE_OPS.join(', ')}`);
    const cs = this.cs;
    const e = cs.station.evse(address.evse);
    if (!e) throw new RegistryError(400, `EVSE ${address.evse} does not exist (this station has ${cs.station.evses.length})`);
    const connector = address.connector ?? 1;
    if (!cs.station.connector(e.id, connector)) throw new RegistryError(400, `EVSE ${e.id} has no connector ${connector}`);
    switch (op) {
      case 'plug-in': withEv(b, (ev) => cs.plugIn(e.id, connector, { ev })); break;
      case 'ev': withEv(b, (ev) => cs.setEv(e.id, ev)); break;
      case 'unplug': cs.unplug(e.id, connector); break;
      case 'park': cs.parkingBay(e.id, true); break;
      case 'depart': cs.parkingBay(e.id, false); break;
      case 'present-token': {
        const token = idTokenOf(b);
        const info = await cs.presentToken(e.id, token);
        if (info.status !== 'Accepted') throw new RegistryError(409, `idToken ${token.idToken} was refused: ${info.status}`);
        break;
      }
      case 'start': {
        const token = idTokenOf(b);
        if (!(await cs.startCharging(e.id, token))) throw new RegistryError(409, `idToken ${token.idToken} was refused`);
        break;
      }
      case 'stop': if (!cs.stopCharging(e.id)) throw new RegistryError(409, `no transaction on EVSE ${e.id}`); break;
      case 'suspend': this.mustCharge(e); cs.suspend(e.id, b.by === 'EVSE' ? 'EVSE' : 'EV'); break;
      case 'resume': this.mustCharge(e); cs.resume(e.id); break;
      case 'fault': cs.fault(e.id, connector); break;
      case 'clear-fault': cs.clearFault(e.id, connector); break;
    }
  }

  private mustCharge(e: Evse): void {
    if (!e.transaction) throw new RegistryError(409, `no transaction on EVSE ${e.id}`);
  }

  readSettings(): { variables: VariableRow[] } {
    const d = this.cs.station.device;
    const variables: VariableRow[] = [];
    for (let i = 0; i < d.size; i++) {
      // The NotifyReport entry holds exactly what the table shows (B07.FR.04: never a WriteOnly value).
      const entry = d.reportEntry(i);
      for (const a of entry.variableAttribute) {
        const row: VariableRow = { component: entry.component, variable: entry.variable, attributeType: a.type ?? 'Actual', mutability: a.mutability ?? 'ReadWrite', characteristics: entry.variableCharacteristics! };
        if (a.value !== undefined) row.value = a.value;
        variables.push(row);
      }
    }
    return { variables };
  }

  async writeSetting(b: Record<string, unknown>): Promise<SettingOutcome> {
    const value = b.value;
    if (!['string', 'number', 'boolean'].includes(typeof value)) throw new RegistryError(400, 'value is required (a string)');
    const data: Record<string, unknown> = { component: b.component, variable: b.variable, attributeValue: String(value) };
    if (b.attributeType !== undefined) data.attributeType = b.attributeType;
    const request = { setVariableData: [data] } as unknown as SetVariablesRequest;
    const { violation } = SchemaValidator.for(ocpp201).repair('SetVariables', 'request', request as never);
    if (violation) throw new RegistryError(400, `not a SetVariables entry: ${violation.message}`);
    // The station's own SetVariables (B05): mutability, data type, limits, valuesList, follow-ups.
    const cs = this.cs;
    const outcome = await DEFAULT_BEHAVIOURS_201.SetVariables!(request, cs.context);
    const status = outcome.response.setVariableResult[0].attributeStatus;
    if (status === 'Accepted' || status === 'RebootRequired') return { status };
    const entry = request.setVariableData[0];
    const i = cs.station.device.catalogue.lookup(entry.component, entry.variable);
    const name = `${entry.component.name}.${entry.variable.name}${entry.variable.instance ? `[${entry.variable.instance}]` : ''}`;
    return { status, reason: refusalReason(typeof i === 'number' ? cs.station.device.spec(i) : undefined, status, entry.attributeValue, name) };
  }
}
