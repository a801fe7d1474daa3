/**
 * Tariff and cost of one 2.0.1 station (I01-I03): the driver's tariff text from the CSMS's
 * idTokenInfo.personalMessage (or `TariffCostCtrlr.TariffFallbackMessage`), the running cost of
 * a transaction from CostUpdated and TransactionEventResponse.totalCost, and the final cost
 * from the Ended event's answer (or `TotalCostFallbackMessage`), each kept on the transaction
 * or EVSE and shown on the display.
 * @module
 */
import type { QueuedMessage } from '../../chargepoint/station/tx-queue';
import type { Payload } from '../../ocpp/frames';
import type { TransactionEventRequest, TransactionEventResponse } from '../../ocpp/v201/types';
import type { Evse } from '../model/evse';
import type { ShownMessage } from './display';
import type { StationModel } from './station';

/** The tariff and cost side of one station. */
export class Tariffs {
  /**
   * Tariffs of a station.
   * @param s The station.
   */
  constructor(private readonly s: StationModel) {}

  private enabled(what: 'Tariff' | 'Cost'): boolean {
    return this.s.device.bool('TariffCostCtrlr', 'Enabled', what);
  }

  /** CostUpdated (I02.FR.02): the running cost of a transaction; false when none runs with that id. */
  costUpdated(transactionId: string, totalCost: number): boolean {
    const tx = this.s.evses.find((e) => e.transaction?.id === transactionId)?.transaction;
    if (!tx) return false;
    tx.cost = totalCost;
    this.s.changed();
    return true;
  }

  /**
   * A TransactionEvent was answered: totalCost is the running cost (Started / Updated, I02) or the
   * final one (Ended, I03.FR.01); an updated personal message replaces the tariff text.
   */
  delivered(m: QueuedMessage, response: Payload): void {
    if (m.action !== 'TransactionEvent') return;
    const req = m.payload as unknown as TransactionEventRequest;
    const answer = response as unknown as TransactionEventResponse;
    const id = req.transactionInfo.transactionId;
    if (req.eventType === 'Ended') {
      const e = this.s.evse(req.evse?.id);
      if (e && !e.transaction) e.finalCost = answer.totalCost === undefined ? { transactionId: id } : { transactionId: id, cost: answer.totalCost };
    } else if (answer.totalCost !== undefined) this.costUpdated(id, answer.totalCost);
    const auth = this.s.evses.find((e) => e.transaction?.id === id)?.transaction?.auth;
    const text = answer.updatedPersonalMessage ?? answer.idTokenInfo?.personalMessage;
    if (auth && text) auth.personalMessage = text;
    this.s.changed();
  }

  /** A transaction started on an EVSE: the previous one's final cost is no longer shown. */
  started(e: Evse): void {
    e.finalCost = undefined;
  }

  private money(amount: number): string {
    return `${amount.toFixed(2)} ${this.s.device.str('TariffCostCtrlr', 'Currency')}`.trim();
  }

  /** What the display shows about tariffs and costs, per EVSE. */
  shown(): ShownMessage[] {
    const out: ShownMessage[] = [];
    for (const e of this.s.evses) {
      const tx = e.transaction;
      const auth = tx?.auth ?? e.pending;
      const base = { priority: 'InFront' as const, evseId: e.id, ...(tx ? { transactionId: tx.id } : {}) };
      if (auth && this.enabled('Tariff')) {
        const content = auth.personalMessage?.content ?? this.s.device.str('TariffCostCtrlr', 'TariffFallbackMessage');
        if (content) out.push({ source: 'Tariff', content, ...base, ...(auth.personalMessage?.language ? { language: auth.personalMessage.language } : {}) });
      }
      if (!this.enabled('Cost')) continue;
      if (tx?.cost !== undefined) out.push({ source: 'Cost', content: `Cost so far: ${this.money(tx.cost)}`, ...base });
      const final = !tx ? e.finalCost : undefined;
      if (final) {
        const content = final.cost !== undefined ? `Total cost: ${this.money(final.cost)}` : this.s.device.str('TariffCostCtrlr', 'TotalCostFallbackMessage');
        if (content) out.push({ source: 'Cost', content, priority: 'InFront', evseId: e.id, transactionId: final.transactionId });
      }
    }
    return out;
  }
}
