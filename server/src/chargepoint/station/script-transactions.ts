/**
 * Transaction messages a script sends itself (`startTransaction`, `meterValues`,
 * `stopTransaction`, or `call()` with those actions, which is also what the web UI's action panel
 * uses). A real charger does not lose them to a dropped connection, so they take the model's own
 * path: the {@link TxQueue} (OCPP-J 1.6 §4.7 and errata: kept while offline, resent oldest first,
 * `TransactionMessageAttempts`), in order with the model's messages. And the model mirrors them
 * as they are sent, so the defaults agree with the script: the connector runs the script's
 * transaction, its register follows the script's readings (a triggered MeterValues reports
 * them), and a StopTransaction still waiting for its answer has already ended the transaction
 * (an UnlockConnector or RemoteStopTransaction arriving meanwhile stops nothing twice).
 * @module
 */
import type { Payload } from '../../ocpp/frames';
import type { Req, Station } from './station';

/** Transaction-related in 1.6: StartTransaction, StopTransaction, and MeterValues that carry a transactionId. */
export function isTransactionMessage(action: string, payload: Payload): boolean {
  return action === 'StartTransaction' || action === 'StopTransaction' || (action === 'MeterValues' && payload.transactionId !== undefined);
}

/**
 * The highest Energy.Active.Import.Register reading in Wh among a MeterValues.req's samples
 * (measurand absent means that one, §7.31; unit Wh by default, or kWh), if there is one.
 */
export function registerReadingWh(meterValue: Req<'MeterValues'>['meterValue'] | undefined): number | undefined {
  let best: number | undefined;
  for (const mv of Array.isArray(meterValue) ? meterValue : []) {
    for (const sv of Array.isArray(mv?.sampledValue) ? mv.sampledValue : []) {
      if (typeof sv !== 'object' || sv === null) continue; // a deliberately broken payload (validation: 'off')
      if ((sv.measurand ?? 'Energy.Active.Import.Register') !== 'Energy.Active.Import.Register' || sv.phase) continue;
      const factor = sv.unit === undefined || sv.unit === 'Wh' ? 1 : sv.unit === 'kWh' ? 1000 : NaN;
      const wh = Number(sv.value) * factor;
      if (Number.isFinite(wh) && (best === undefined || wh > best)) best = wh;
    }
  }
  return best;
}

/** A script's MeterValues (with a transaction or not) moves the connector's register to its reading. */
export function mirrorMeterValues(station: Station, payload: Payload): void {
  const req = payload as unknown as Req<'MeterValues'>;
  const c = station.connector(req.connectorId);
  const wh = registerReadingWh(req.meterValue);
  if (c && wh !== undefined) station.meterReading(c, wh);
}

/** A script's StopTransaction ends the transaction in the model at once, at its meterStop. */
function mirrorStop(station: Station, req: Req<'StopTransaction'>): void {
  const c = station.connectorOfTransaction(req.transactionId);
  if (!c) return;
  station.meterReading(c, req.meterStop);
  station.endStoppedTransaction(c);
}

/**
 * Queue a script's transaction message (see {@link isTransactionMessage}) after mirroring it in
 * the model, and resolve with the CSMS's answer once delivered. Its StopTransaction and
 * MeterValues name the local transaction their transactionId was given to, so the queue fills in
 * the id the CSMS gave to the StartTransaction as delivered, exactly as for the model's own.
 * Rejects as {@link TxQueue.send} does; a StartTransaction the queue gave up on is forgotten by
 * the model again.
 */
export function queueScriptMessage(station: Station, action: string, payload: Payload): Promise<Payload> {
  if (action === 'StartTransaction') {
    const tx = station.adoptTransaction(payload as unknown as Req<'StartTransaction'>);
    const sent = station.queue.send(action, payload, tx?.localId);
    if (tx) sent.catch(() => station.forgetTransaction(tx.localId));
    return sent;
  }
  const local = station.localIdOf((payload as { transactionId: number }).transactionId);
  if (action === 'StopTransaction') mirrorStop(station, payload as unknown as Req<'StopTransaction'>);
  return station.queue.send(action, payload, local);
}

/**
 * Mirror a message the script sent straight to the wire (before any boot was answered, or with
 * per-call options), once answered: its transaction, its stop, its connector status.
 */
export function mirrorAnswered(station: Station, action: string, request: Payload, response: Payload): void {
  if (action === 'StartTransaction') station.adoptTransaction(request as unknown as Req<'StartTransaction'>, (response as { transactionId: number }).transactionId);
  else if (action === 'StopTransaction') mirrorStop(station, request as unknown as Req<'StopTransaction'>);
  else if (action === 'StatusNotification') station.scriptStatus(request as unknown as Req<'StatusNotification'>);
}
