/**
 * Default answers of the RemoteTrigger profile (OCPP 1.6 §5.17 TriggerMessage): answer first,
 * then send the requested message; a connectorId that does not exist is Rejected (TC_055);
 * StatusNotification without connectorId reports connector 0 and every connector.
 * @module
 */
import type { Ocpp16Messages } from '../../ocpp/v16/types';
import { supports, type BehaviourContext, type Behaviours } from './types';

/** Sends one requested message; `connectorId` as the trigger named it (already checked to exist). */
export type TriggerSender = (ctx: BehaviourContext, connectorId: number | undefined) => unknown;

/** How each TriggerMessage message is sent; ExtendedTriggerMessage (security extension) reuses the common ones. */
export const TRIGGERS: Readonly<Record<Ocpp16Messages['TriggerMessage']['request']['requestedMessage'], TriggerSender>> = {
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

/**
 * The answer to a (Extended)TriggerMessage: NotImplemented without a sender, Rejected for a
 * connector that does not exist, else Accepted with the message sent as the follow-up.
 * @param send The sender of the requested message, if there is one.
 * @param connectorId The request's connectorId.
 * @param ctx The behaviour context.
 */
export function triggerOutcome(send: TriggerSender | undefined, connectorId: number | undefined, ctx: BehaviourContext): {
  /** The response payload. */
  response: { status: 'Accepted' | 'Rejected' | 'NotImplemented' };
  /** Sends the message. */
  followUp?: () => unknown;
} {
  if (!send) return { response: { status: 'NotImplemented' } };
  if (connectorId !== undefined && !ctx.station.connector(connectorId)) return { response: { status: 'Rejected' } };
  return { response: { status: 'Accepted' }, followUp: () => send(ctx, connectorId) };
}

/** RemoteTrigger behaviours. */
export const remoteTrigger: Behaviours = {
  TriggerMessage({ requestedMessage, connectorId }, ctx) {
    return triggerOutcome(supports(ctx.station, 'RemoteTrigger') ? TRIGGERS[requestedMessage] : undefined, connectorId, ctx);
  },
};
