/**
 * The {@link StationView} of an OCPP 1.6 charge point: connectors 0..N, configuration keys
 * (written as ChangeConfiguration would), the 1.6 templates.
 * @module
 */
import { DEFAULT_BEHAVIOURS } from '../chargepoint/behaviour/index';
import type { Chargepoint } from '../chargepoint/chargepoint';
import type { ConnectorErrorCode } from '../chargepoint/model/connector';
import type { StopReason } from '../chargepoint/station/station';
import { ocpp16 } from '../ocpp/v16/protocol';
import type { Telemetry } from '../ev/telemetry';
import { evSummary, iso, RegistryError, withEv, type ConnectorSummary } from './records';
import type { BoardAddress, SettingOutcome, StationView, VersionSummary } from './station-view';
import { CHARGE_POINT_ACTIONS, CSMS_ACTIONS, templatesFor } from './templates';

const CONNECTOR_OPS = ['plug-in', 'unplug', 'start', 'stop', 'suspend', 'resume', 'fault', 'clear-fault', 'ev'];

/** The UI's face of a 1.6 charge point. */
export class StationViewV16 implements StationView {
  readonly protocol = 'ocpp1.6';
  readonly table = ocpp16;
  readonly stationActions = CHARGE_POINT_ACTIONS;
  readonly csmsActions = CSMS_ACTIONS;
  readonly settingsKind = 'configuration';

  /** @param cp The charge point. */
  constructor(private readonly cp: Chargepoint) {}

  get telemetry(): Telemetry | undefined {
    return this.cp.station.telemetry;
  }

  summarize(): VersionSummary {
    const station = this.cp.station;
    const now = this.cp.scheduler.now();
    const connectors = station.connectors.map((c): ConnectorSummary => {
      const s: ConnectorSummary = { id: c.id, status: c.status, errorCode: c.fault ?? 'NoError', plugged: c.plugged };
      if (c.transaction) {
        s.transaction = { idTag: c.transaction.idTag, startedAt: iso(c.transaction.startedAt) };
        if (c.transaction.id !== undefined) s.transaction.id = c.transaction.id;
      }
      if (c.meter) {
        c.meter.advance(now);
        s.energyWh = Math.floor(c.meter.energyWh);
        s.powerW = Math.round(c.meter.powerW);
        Object.assign(s, evSummary(c.ev, c.meter));
      }
      return s;
    });
    return { protocol: this.protocol, bootState: station.bootState, securityProfile: station.config.int('SecurityProfile'), connectors };
  }

  templates(): Record<string, object> {
    return templatesFor(this.cp);
  }

  async operate(address: BoardAddress, op: string, b: Record<string, unknown>): Promise<void> {
    if (!('connector' in address) || 'evse' in address) throw new RegistryError(400, 'an OCPP 1.6 charge point is driven per connector: /connectors/:n/:op');
    const c = this.cp;
    const n = address.connector;
    if (!CONNECTOR_OPS.includes(op)) throw new RegistryError(400, `unknown operation ${op}: ${CONNECTOR_OPS.join(', ')}`);
    const station0 = op === 'fault' || op === 'clear-fault';
    if (!Number.isInteger(n) || n < (station0 ? 0 : 1) || n >= c.station.connectors.length) {
      throw new RegistryError(400, `connector ${n} does not exist (this charge point has ${c.station.connectors.length - 1})`);
    }
    switch (op) {
      case 'plug-in': withEv(b, (ev) => c.plugIn(n, { ev })); break;
      case 'ev': withEv(b, (ev) => c.setEv(n, ev)); break;
      case 'unplug': c.unplug(n); break;
      case 'start': {
        if (typeof b.idTag !== 'string' || b.idTag === '' || b.idTag.length > 20) throw new RegistryError(400, 'idTag is required (1 to 20 characters)');
        if (!(await c.startCharging(n, b.idTag))) throw new RegistryError(409, `idTag ${b.idTag} was refused`);
        break;
      }
      case 'stop': c.stopCharging(n, (typeof b.reason === 'string' ? b.reason : 'Local') as StopReason); break;
      case 'suspend': c.suspend(n, b.by === 'EVSE' ? 'EVSE' : 'EV'); break;
      case 'resume': c.resume(n); break;
      case 'fault': c.fault(n, (typeof b.errorCode === 'string' ? b.errorCode : 'OtherError') as ConnectorErrorCode); break;
      case 'clear-fault': c.clearFault(n); break;
    }
  }

  readSettings(): object {
    return { configurationKey: this.cp.station.config.get().configurationKey };
  }

  async writeSetting(body: Record<string, unknown>, key?: string): Promise<SettingOutcome> {
    const value = body.value;
    if (!['string', 'number', 'boolean'].includes(typeof value)) throw new RegistryError(400, 'value is required (a string)');
    // Exactly what a ChangeConfiguration from the CSMS would do, follow-ups included (heartbeat re-armed, reconnect on new credentials).
    const outcome = await DEFAULT_BEHAVIOURS.ChangeConfiguration!({ key: key ?? '', value: String(value) }, { station: this.cp.station, lifecycle: this.cp.lifecycle });
    return { status: outcome.response.status, followUp: outcome.followUp };
  }
}
