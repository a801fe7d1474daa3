/**
 * Default answers of the RemoteTrigger profile (OCPP 1.6 §5.17 TriggerMessage): answer first,
 * then send the requested message; a connectorId that does not exist is Rejected (TC_055);
 * StatusNotification without connectorId reports connector 0 and every connector.
 * @module
 */
import type { Ocpp16Messages } from '../../ocpp/v16/types';
import { supports, type BehaviourContext, type Behaviours } from './types';

type Requested = Ocpp16Messages['TriggerMessage']['request']['requestedMessage'];

const SEND: Record<Requested, (ctx: BehaviourContext, connectorId: number | undefined) => unknown> = {
  BootNotification: ({ lifecycle }) => lifecycle.boot(),
  DiagnosticsStatusNotification: ({ station }) => station.notify('DiagnosticsStatusNotification', { status: station.diagnosticsStatus }, true),
  FirmwareStatusNotification: ({ station }) => station.notify('FirmwareStatusNotification', { status: station.firmwareStatus }, true),
  Heartbeat: ({ station }) => station.notify('Heartbeat', {}, true),
  MeterValues: ({ station }, connectorId) => {
    const measurands = station.config.list('MeterValuesSampledData');
    for (const c of station.connectors) {
      if (c.meter && (connectorId === undefined || connectorId === 0 || c.id === connectorId)) station.sendMeterValues(c, measurands, 'Trigger', true);
    }
  },
  StatusNotification: ({ station }, connectorId) =>
    connectorId === undefined ? station.reportAll(true) : station.report(station.connector(connectorId)!, true),
};

/** RemoteTrigger behaviours. */
export const remoteTrigger: Behaviours = {
  TriggerMessage({ requestedMessage, connectorId }, ctx) {
    const send = SEND[requestedMessage];
    if (!supports(ctx.station, 'RemoteTrigger') || !send) return { response: { status: 'NotImplemented' } };
    if (connectorId !== undefined && !ctx.station.connector(connectorId)) return { response: { status: 'Rejected' } };
    return { response: { status: 'Accepted' }, followUp: () => send(ctx, connectorId) };
  },
};
