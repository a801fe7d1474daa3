/**
 * The parts of one 2.0.1 station that behaviours and the script face work on.
 * @module
 */
import type { Lifecycle } from '../../chargepoint/station/lifecycle';
import type { Authorizer } from './authorization';
import type { DisplayMessages } from './display';
import type { Monitoring } from './monitoring';
import type { Reservations } from './reservations';
import type { SmartCharging } from './smart-charging';
import type { StationModel } from './station';
import type { Tariffs } from './tariff';
import type { TransactionEngine } from './transactions';

/** What a behaviour works on. */
export interface StationContext {
  /** The model. */
  station: StationModel;
  /** Boot, reboot, heartbeat. */
  lifecycle: Lifecycle;
  /** Transactions and meter values. */
  transactions: TransactionEngine;
  /** Local list, cache, Authorize. */
  authorization: Authorizer;
  /** Reservations. */
  reservations: Reservations;
  /** Variable monitors (N). */
  monitoring: Monitoring;
  /** Display messages (O). */
  display: DisplayMessages;
  /** Tariff and cost (I). */
  tariffs: Tariffs;
  /** Charging profiles and limits (K). */
  smartCharging: SmartCharging;
}
