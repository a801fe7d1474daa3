/**
 * The optional functional blocks of a 2.0.1 station, wired to its model: variable monitoring (N),
 * display messages (O), tariff and cost (I) and smart charging (K). They hear of changed values (N07: evaluated on
 * the change, not polled), TransactionEvent answers (I02/I03) and transactions starting and ending
 * (O02.FR.14) through the model's hooks and the station's `transaction` event.
 * @module
 */
import type { EventEmitter } from 'node:events';
import { byPriority, DisplayMessages, type ShownMessage } from './display';
import { Monitoring } from './monitoring';
import { SmartCharging } from './smart-charging';
import type { StationModel } from './station';
import { Tariffs } from './tariff';
import type { TransactionEngine } from './transactions';

/** Monitoring, display and tariffs of one station. */
export interface StationBlocks {
  /** Variable monitors and NotifyEvent (N02-N08). */
  monitoring: Monitoring;
  /** Display messages (O01-O06). */
  display: DisplayMessages;
  /** Tariff text and costs (I01-I03). */
  tariffs: Tariffs;
  /** Charging profiles and limits (K01-K13). */
  smartCharging: SmartCharging;
}

/**
 * Create the blocks of a station and feed them from its model.
 * @param s The model (its transaction engine already set `onDelivered`).
 * @param events Where the station emits `transaction` ({type, evseId, transactionId}).
 * @param transactions Its transactions, whose meters obey the charging limits.
 */
export function attachBlocks(s: StationModel, events: EventEmitter, transactions: TransactionEngine): StationBlocks {
  const blocks: StationBlocks = { monitoring: new Monitoring(s), display: new DisplayMessages(s), tariffs: new Tariffs(s), smartCharging: new SmartCharging(s, transactions, events) };
  s.onValue = (i) => blocks.monitoring.valueChanged(i);
  s.onLive = () => blocks.monitoring.liveChanged();
  const transactionAnswered = s.onDelivered;
  s.onDelivered = (m, response) => {
    transactionAnswered?.(m, response);
    blocks.tariffs.delivered(m, response);
  };
  events.on('transaction', (t: { type: string; evseId: number; transactionId: string }) => {
    if (t.type === 'start') blocks.tariffs.started(s.mustEvse(t.evseId));
    else if (t.type === 'stop') blocks.display.transactionEnded(t.transactionId);
  });
  return blocks;
}

/** What the display shows: the CSMS's display messages valid now, tariff texts and costs, by priority. */
export function displayed(blocks: StationBlocks): ShownMessage[] {
  return [...blocks.display.shown(), ...blocks.tariffs.shown()].sort(byPriority);
}
