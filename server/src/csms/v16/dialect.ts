/**
 * OCPP 1.6 (with the security extension) as the mock CSMS speaks it: answers, the messages a
 * (Extended)TriggerMessage asks for, the book fed from Start/StopTransaction and MeterValues,
 * operator requests (RemoteStart/StopTransaction, Reset Soft/Hard) and default commands.
 * @module
 */
import { ocpp16 } from '../../ocpp/v16/protocol';
import type { Payload } from '../../ocpp/frames';
import type { CsmsDialect, OperatorRequests, TransactionMeterValues } from '../dialect';
import type { MeterValueRecord } from '../transactions';
import { V16_ANSWERS } from './answers';
import { V16_COMMAND_PAYLOADS } from './commands';

/** Messages (Extended)TriggerMessage can request, by the CALL they make the charge point send. */
const TRIGGERED: Readonly<Record<string, string>> = {
  BootNotification: 'BootNotification',
  DiagnosticsStatusNotification: 'DiagnosticsStatusNotification',
  FirmwareStatusNotification: 'FirmwareStatusNotification',
  Heartbeat: 'Heartbeat',
  MeterValues: 'MeterValues',
  StatusNotification: 'StatusNotification',
  LogStatusNotification: 'LogStatusNotification',
  SignChargePointCertificate: 'SignCertificate',
};

/** 2.0.1 names of CSMS-initiated actions with a 1.6 counterpart of another name. */
const TWINS: Readonly<Record<string, string>> = {
  RequestStartTransaction: 'RemoteStartTransaction',
  RequestStopTransaction: 'RemoteStopTransaction',
  GetVariables: 'GetConfiguration',
  SetVariables: 'ChangeConfiguration',
  GetBaseReport: 'GetConfiguration',
};

const requests: OperatorRequests = {
  remoteStart: ({ token, unit }) => ({ action: 'RemoteStartTransaction', payload: { idTag: token, ...(unit === undefined ? {} : { connectorId: unit }) } }),
  remoteStop: (transactionId) => ({ action: 'RemoteStopTransaction', payload: { transactionId: Number(transactionId) } }),
  reset: (kind) => ({ action: 'Reset', payload: { type: /^(hard|immediate)$/i.test(kind) ? 'Hard' : 'Soft' } }),
  trigger: (message, unit) => ({ action: 'TriggerMessage', payload: { requestedMessage: message, ...(unit === undefined ? {} : { connectorId: unit }) } }),
  // Connector 0 reserves the charge point as a whole (1.6 §5.13).
  reserve: ({ id, token, unit, expiry }) => ({ action: 'ReserveNow', payload: { connectorId: unit ?? 0, expiryDate: expiry, idTag: token, reservationId: id } }),
};

/** A register reading (Wh) as a meterValue element: meterStart and meterStop chart like sampled values. */
const register = (timestamp: unknown, wh: unknown): MeterValueRecord => ({ timestamp: String(timestamp), sampledValue: [{ value: Number(wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] });

/**
 * 1.6 §6.43 / §6.47 / §6.31: StartTransaction's meterStart (the id is in the answer), MeterValues
 * of a transaction, StopTransaction's transactionData followed by its meterStop.
 */
function transactionMeterValues(action: string, request: Payload, response: Payload): TransactionMeterValues | undefined {
  const unit = Number(request.connectorId ?? 0);
  switch (action) {
    case 'StartTransaction':
      return typeof response.transactionId === 'number' ? { transactionId: response.transactionId, unit, readings: [register(request.timestamp, request.meterStart)] } : undefined;
    case 'MeterValues':
      return typeof request.transactionId === 'number' ? { transactionId: request.transactionId, unit, readings: (request.meterValue as MeterValueRecord[]) ?? [] } : undefined;
    case 'StopTransaction':
      return { transactionId: Number(request.transactionId), unit, readings: [...((request.transactionData as MeterValueRecord[] | undefined) ?? []), register(request.timestamp, request.meterStop)] };
    default:
      return undefined;
  }
}

/** OCPP 1.6-J with the security extension. */
export const v16Dialect: CsmsDialect = {
  protocol: ocpp16,
  version: '1.6',
  bootRule: 'OCPP 1.6 §4.2.1',
  answer: (action, request, ctx) => (Object.hasOwn(V16_ANSWERS, action) ? V16_ANSWERS[action]!(request, ctx) : undefined),
  answered: new Set(Object.keys(V16_ANSWERS)),
  recorded: new Set(['BootNotification', 'StatusNotification', 'StartTransaction', 'StopTransaction', 'MeterValues']),
  requested(action, payload) {
    const message = String(payload.requestedMessage);
    // In the security extension FirmwareStatusNotification asks for the signed variant.
    const wanted =
      action === 'ExtendedTriggerMessage' ? (message === 'FirmwareStatusNotification' ? 'SignedFirmwareStatusNotification' : TRIGGERED[message]) : action === 'TriggerMessage' ? TRIGGERED[message] : undefined;
    return wanted === undefined ? undefined : { action: wanted, once: true };
  },
  commands: V16_COMMAND_PAYLOADS,
  twin: (action) => (Object.hasOwn(V16_COMMAND_PAYLOADS, action) ? action : TWINS[action]),
  requests,
  triggerable: ['BootNotification', 'DiagnosticsStatusNotification', 'FirmwareStatusNotification', 'Heartbeat', 'MeterValues', 'StatusNotification'],
  certificateSigned: (certificateChain) => ({ certificateChain }),
  // The new key is what the charge point will log in with next (OCTT TC_073).
  newPassword: (action, request, response) =>
    action === 'ChangeConfiguration' && request.key === 'AuthorizationKey' && typeof request.value === 'string' && response.status === 'Accepted'
      ? request.value
      : undefined,
  reservationMade: (action, request, response) => (action === 'ReserveNow' && response.status === 'Accepted' ? Number(request.reservationId) : undefined),
  record: (book, cpId, action, request, response, at) => book.record(cpId, action, request, response, at),
  transactionMeterValues,
};
