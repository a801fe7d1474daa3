/**
 * OCPP 2.0.1 as the mock CSMS speaks it: answers, the order rule's exceptions (B02.FR.02:
 * triggered and report messages while Pending), the transaction book fed from TransactionEvent,
 * operator requests (RequestStart/StopTransaction, Reset Immediate/OnIdle) and default commands.
 * @module
 */
import type { Payload } from '../../ocpp/frames';
import { ocpp201 } from '../../ocpp/v201/protocol';
import type { CsmsDialect, OperatorRequests } from '../dialect';
import type { TransactionBook } from '../transactions';
import { V201_ANSWERS } from './answers';
import { V201_COMMAND_PAYLOADS } from './commands';

/** TriggerMessage's requestedMessage → the CALL the station sends (F06). */
const TRIGGERED: Readonly<Record<string, string>> = {
  BootNotification: 'BootNotification',
  LogStatusNotification: 'LogStatusNotification',
  FirmwareStatusNotification: 'FirmwareStatusNotification',
  Heartbeat: 'Heartbeat',
  MeterValues: 'MeterValues',
  SignChargingStationCertificate: 'SignCertificate',
  SignV2GCertificate: 'SignCertificate',
  SignCombinedCertificate: 'SignCertificate',
  StatusNotification: 'StatusNotification',
  TransactionEvent: 'TransactionEvent',
  PublishFirmwareStatusNotification: 'PublishFirmwareStatusNotification',
};

/** Reports a station may send while Pending because the CSMS asked for them (B02.FR.02). */
const REPORTS: Readonly<Record<string, string>> = { GetBaseReport: 'NotifyReport', GetReport: 'NotifyReport' };

/** 1.6 names of CSMS-initiated actions with a 2.0.1 counterpart of another name. */
const TWINS: Readonly<Record<string, string>> = {
  RemoteStartTransaction: 'RequestStartTransaction',
  RemoteStopTransaction: 'RequestStopTransaction',
  GetConfiguration: 'GetVariables',
  ChangeConfiguration: 'SetVariables',
  GetDiagnostics: 'GetLog',
  ExtendedTriggerMessage: 'TriggerMessage',
  SignedUpdateFirmware: 'UpdateFirmware',
};

const requests: OperatorRequests = {
  remoteStart: ({ token, unit, id }) => ({
    action: 'RequestStartTransaction',
    payload: { remoteStartId: id, idToken: { idToken: token, type: 'Central' }, ...(unit === undefined ? {} : { evseId: unit }) },
  }),
  remoteStop: (transactionId) => ({ action: 'RequestStopTransaction', payload: { transactionId: String(transactionId) } }),
  // B11/B12: OnIdle waits for running transactions to end, Immediate ends them (1.6 Soft / Hard).
  reset: (kind) => ({ action: 'Reset', payload: { type: /^(hard|immediate)$/i.test(kind) ? 'Immediate' : 'OnIdle' } }),
  trigger: (message, unit) => ({ action: 'TriggerMessage', payload: { requestedMessage: message, ...(unit === undefined ? {} : { evse: { id: unit } }) } }),
  reserve: ({ id, token, unit, expiry }) => ({
    action: 'ReserveNow',
    payload: { id, expiryDateTime: expiry, idToken: { idToken: token, type: 'Central' }, ...(unit === undefined ? {} : { evseId: unit }) },
  }),
};

type SampledValue = { value: number; measurand?: string; phase?: string; unitOfMeasure?: { unit?: string; multiplier?: number } };
type MeterValue = { timestamp: string; sampledValue: SampledValue[] };

/**
 * 2.0.1 meter values in the book's 1.6-like shape: the unit and multiplier of `unitOfMeasure`
 * folded into the value (Wh, W), so the book reads one format.
 */
function asReadings(meterValue: MeterValue[] | undefined): { timestamp: string; sampledValue: { value: string; measurand?: string; phase?: string; unit?: string }[] }[] {
  return (meterValue ?? []).map((mv) => ({
    timestamp: mv.timestamp,
    sampledValue: mv.sampledValue.map((sv) => ({
      value: String(sv.value * 10 ** (sv.unitOfMeasure?.multiplier ?? 0)),
      measurand: sv.measurand,
      phase: sv.phase,
      unit: sv.unitOfMeasure?.unit,
    })),
  }));
}

function recordTransactionEvent(book: TransactionBook, cpId: string, req: Payload, res: Payload): void {
  const info = req.transactionInfo as { transactionId: string; chargingState?: string; stoppedReason?: string; remoteStartId?: number };
  const evse = req.evse as { id: number; connectorId?: number } | undefined;
  const token = (req.idToken as { idToken?: string } | undefined)?.idToken;
  const status = (res.idTokenInfo as { status?: string } | undefined)?.status;
  const tx = book.event201(cpId, {
    transactionId: info.transactionId,
    eventType: String(req.eventType),
    seqNo: Number(req.seqNo),
    timestamp: String(req.timestamp),
    evseId: evse?.id,
    connectorId: evse?.connectorId,
    idTag: token,
    status,
    chargingState: info.chargingState,
    stoppedReason: info.stoppedReason,
    remoteStartId: info.remoteStartId,
    offline: req.offline === true,
  });
  const readings = asReadings(req.meterValue as MeterValue[] | undefined);
  if (readings.length > 0) book.meterReading(cpId, tx.connectorId, tx.transactionId, readings);
  if (req.eventType === 'Ended') book.finish(tx, String(req.timestamp), info.stoppedReason ?? 'Local');
}

/** OCPP 2.0.1. */
export const v201Dialect: CsmsDialect = {
  protocol: ocpp201,
  version: '2.0.1',
  bootRule: 'B02.FR.09',
  answer: (action, request, ctx) => (Object.hasOwn(V201_ANSWERS, action) ? V201_ANSWERS[action]!(request, ctx) : undefined),
  answered: new Set(Object.keys(V201_ANSWERS)),
  recorded: new Set(['BootNotification', 'StatusNotification', 'TransactionEvent', 'MeterValues']),
  requested(action, payload) {
    if (action === 'TriggerMessage') {
      const wanted = TRIGGERED[String(payload.requestedMessage)];
      return wanted === undefined ? undefined : { action: wanted, once: true };
    }
    return Object.hasOwn(REPORTS, action) ? { action: REPORTS[action]!, once: false } : undefined;
  },
  commands: V201_COMMAND_PAYLOADS,
  twin: (action) => (Object.hasOwn(V201_COMMAND_PAYLOADS, action) ? action : TWINS[action]),
  requests,
  triggerable: Object.keys(TRIGGERED),
  // The type asked for; none asked for, none given: a certificate for both links (A02, SignCombinedCertificate).
  certificateSigned: (certificateChain, signRequest) =>
    signRequest.certificateType === undefined ? { certificateChain } : { certificateChain, certificateType: signRequest.certificateType },
  newPassword(action, request, response) {
    if (action !== 'SetVariables') return undefined;
    // A01.FR.03: the CSMS drops the old password once the station accepted the new one.
    const data = request.setVariableData as { attributeValue: string; component: { name: string }; variable: { name: string } }[];
    const results = (response.setVariableResult as { attributeStatus: string; component: { name: string }; variable: { name: string } }[]) ?? [];
    const set = data.find((d) => d.component.name === 'SecurityCtrlr' && d.variable.name === 'BasicAuthPassword');
    const accepted = results.some((r) => r.component.name === 'SecurityCtrlr' && r.variable.name === 'BasicAuthPassword' && r.attributeStatus === 'Accepted');
    return set && accepted ? set.attributeValue : undefined;
  },
  reservationMade: (action, request, response) => (action === 'ReserveNow' && response.status === 'Accepted' ? Number(request.id) : undefined),
  record(book, cpId, action, request, response, at) {
    switch (action) {
      case 'BootNotification':
        return book.record(cpId, action, request, response, at);
      case 'TransactionEvent':
        return recordTransactionEvent(book, cpId, request, response);
      case 'StatusNotification':
        return book.setStatus(cpId, Number(request.evseId), String(request.connectorStatus), 'NoError', at);
      case 'MeterValues':
        return book.meterReading(cpId, Number(request.evseId), undefined, asReadings(request.meterValue as MeterValue[]));
      default:
        return undefined;
    }
  },
  // E01–E07: a TransactionEvent's meterValue belongs to its transaction; MeterValues (J01) to none.
  transactionMeterValues(action, request) {
    if (action !== 'TransactionEvent') return undefined;
    const info = request.transactionInfo as { transactionId: string };
    return { transactionId: info.transactionId, unit: (request.evse as { id?: number } | undefined)?.id ?? 0, readings: asReadings(request.meterValue as MeterValue[] | undefined) };
  },
};
