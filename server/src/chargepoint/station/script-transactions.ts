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
import type { Connector, Transaction } from '../model/connector';
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
  if (c && wh !== undefined) meterReading(station, c, wh);
}

/** A script's StopTransaction ends the transaction in the model at once, at its meterStop. */
function mirrorStop(station: Station, req: Req<'StopTransaction'>): void {
  const c = station.connectorOfTransaction(req.transactionId);
  if (!c) return;
  meterReading(station, c, req.meterStop);
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
    const tx = adoptTransaction(station, payload as unknown as Req<'StartTransaction'>);
    const sent = station.queue.send(action, payload, tx?.localId);
    if (tx) sent.catch(() => forgetTransaction(station, tx.localId));
    return sent;
  }
  const local = station.transactionIds.localIdOf((payload as { transactionId: number }).transactionId);
  if (action === 'StopTransaction') mirrorStop(station, payload as unknown as Req<'StopTransaction'>);
  return station.queue.send(action, payload, local);
}

/**
 * Mirror a message the script sent straight to the wire (before any boot was answered, or with
 * per-call options), once answered: its transaction, its stop, its connector status.
 */
export function mirrorAnswered(station: Station, action: string, request: Payload, response: Payload): void {
  if (action === 'StartTransaction') adoptTransaction(station, request as unknown as Req<'StartTransaction'>, (response as { transactionId: number }).transactionId);
  else if (action === 'StopTransaction') mirrorStop(station, request as unknown as Req<'StopTransaction'>);
  else if (action === 'StatusNotification') scriptStatus(station, request as unknown as Req<'StatusNotification'>);
}

/**
 * Track a transaction a script runs with its own StartTransaction: the defaults (RemoteStop,
 * TriggerMessage, Reset…) see it, the script meters it. Undefined when the connector is unknown
 * or already busy (the message is then the script's alone).
 * @param station The model.
 * @param req The script's StartTransaction.req.
 * @param transactionId The CSMS's id, when already known.
 */
function adoptTransaction(station: Station, req: Req<'StartTransaction'>, transactionId?: number): Transaction | undefined {
  const c = station.connector(req.connectorId);
  if (!c?.meter || c.transaction) return undefined;
  const localId = station.transactionIds.next();
  if (transactionId !== undefined) station.transactionIds.resolve(localId, transactionId);
  meterReading(station, c, req.meterStart);
  c.transaction = { localId, id: transactionId, connectorId: c.id, idTag: req.idTag, startedAt: station.now(), meterStart: req.meterStart, scripted: true };
  station.link.emit('transaction', { type: 'start', connectorId: c.id, idTag: req.idTag, scripted: true });
  station.changed();
  return c.transaction;
}

/** Forget a tracked script transaction whose StartTransaction never reached the CSMS. */
function forgetTransaction(station: Station, localId: number): void {
  const c = station.connectors.find((x) => x.transaction?.localId === localId);
  if (c) station.endStoppedTransaction(c);
}

/**
 * A register reading a script reported (meterStart, a MeterValues sample, meterStop): the
 * meter moves forward to it, so what the model reports next (a triggered MeterValues, the
 * UI) agrees with the script. The register never runs backwards.
 */
function meterReading(station: Station, c: Connector, wh: number): void {
  const meter = c.meter;
  if (!meter || !Number.isFinite(wh)) return;
  meter.advance(station.now());
  if (wh > meter.energyWh) meter.energyWh = wh;
  station.changed();
}

/** A status the script reported itself (StatusNotification) becomes the connector's. */
function scriptStatus(station: Station, req: Req<'StatusNotification'>): void {
  const c = station.connector(req.connectorId);
  if (c) c.status = req.status;
}
