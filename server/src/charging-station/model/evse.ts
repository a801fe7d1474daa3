/**
 * EVSEs and their connectors (2.0.1 Part 1 §3.2): a connector's status is one of Available,
 * Occupied, Reserved, Unavailable, Faulted (G01); what the EV does (charging, suspended) is the
 * transaction's `chargingState`, not a connector status as in 1.6.
 * @module
 */
import type { ChargingStateEnumType, ConnectorEnumType, ConnectorStatusEnumType, IdTokenType, MessageContentType, ReasonEnumType } from '../../ocpp/v201/types';
import type { Meter } from '../../chargepoint/model/meter';
import type { EvSpec } from '../../ev/ev';

/** A connector status (G01). */
export type ConnectorStatus = ConnectorStatusEnumType;

/** One connector of an EVSE. */
export interface Connector {
  /** Connector id within its EVSE, from 1. */
  readonly id: number;
  /** Connector type (Connector.ConnectorType). */
  readonly type: ConnectorEnumType;
  /** Status as now derived. */
  status: ConnectorStatus;
  /** The status the CSMS last received (B04: what changed while offline). */
  reported?: ConnectorStatus;
  /** The EV's cable is in. */
  plugged: boolean;
  /** Made Inoperative by ChangeAvailability (persists across reboot, G03.FR.08). */
  inoperative: boolean;
  /** Inoperative once the running transaction ended (ChangeAvailability Scheduled). */
  scheduledInoperative?: boolean;
  /** In a fault (Faulted). */
  faulted: boolean;
  /** The cable lock failed to lock the plugged cable (G05): no energy flows. */
  lockFailed?: boolean;
}

/** A reservation held by an EVSE (H01). */
export interface Reservation {
  /** ReserveNow id. */
  id: number;
  /** Token it is held for. */
  idToken: IdTokenType;
  /** Its group token, whose members may use it too. */
  groupIdToken?: IdTokenType;
  /** Expiry (epoch ms). */
  expiresAt: number;
  /** Connector type asked for. */
  connectorType?: ConnectorEnumType;
  /** Made without an EVSE (held by the station on whichever EVSE is left). */
  anyEvse?: boolean;
}

/** A driver authorization waiting for, or belonging to, a transaction. */
export interface Authorization {
  /** The token. */
  idToken: IdTokenType;
  /** Its group (master pass, stop by a group member). */
  groupIdToken?: IdTokenType;
  /** RequestStartTransaction's id, when started remotely. */
  remoteStartId?: number;
  /** The reservation it uses. */
  reservationId?: number;
  /** The driver's tariff text from the CSMS's idTokenInfo (I01). */
  personalMessage?: MessageContentType;
}

/** A 2.0.1 transaction (E01-E15). */
export interface Transaction {
  /** Station-generated id, never reused (E01.FR.08). */
  readonly id: string;
  /** Next seqNo to send (0 at the start: SHOULD restart at 0 per transaction, TC_E_53_CSMS). */
  seqNo: number;
  /** When it started (epoch ms). */
  readonly startedAt: number;
  /** The connector in use, once the EV is connected. */
  connectorId?: number;
  /** The driver's authorization, once authorized. */
  auth?: Authorization;
  /** The EV side now. */
  chargingState: ChargingStateEnumType;
  /** Why it ended, once it did. */
  stoppedReason?: ReasonEnumType;
  /** The meter register at the start (Wh). */
  meterStartWh: number;
  /** Energy may flow only up to this register (MaxEnergyOnInvalidId, E05). */
  energyCapWh?: number;
  /** The running cost the CSMS last sent (CostUpdated or TransactionEventResponse.totalCost, I02). */
  cost?: number;
}

/** One EVSE. */
export interface Evse {
  /** EVSE id, from 1. */
  readonly id: number;
  /** Its connectors. */
  readonly connectors: Connector[];
  /** The EVSE's meter. */
  readonly meter: Meter;
  /** Most power in W. */
  readonly maxPowerW: number;
  /** Made Inoperative by ChangeAvailability. */
  inoperative: boolean;
  /** Inoperative once the running transaction ended. */
  scheduledInoperative?: boolean;
  /** A reservation it holds. */
  reservation?: Reservation;
  /** An authorization waiting for the EV (EVConnectionTimeOut), before any transaction. */
  pending?: Authorization;
  /** The running transaction. */
  transaction?: Transaction;
  /** The EV pauses (SuspendedEV) or the station does (SuspendedEVSE). */
  suspended?: 'EV' | 'EVSE';
  /** The bay's vehicle detector (E01 ParkingBayOccupancy): undefined while it never reported. */
  bayOccupied?: boolean;
  /** The EV that arrives at the next plug-in (undefined: the defaults). */
  ev?: EvSpec;
  /** The last transaction's final cost (I03), shown until the next one starts; undefined cost: none was sent. */
  finalCost?: { transactionId: string; cost?: number };
}

/** DC connector types (CCS1, CCS2, CHAdeMO = JEVS G105): an EV there takes its DC maximum. @param type The connector type. */
export function isDcConnector(type: ConnectorEnumType): boolean {
  return type === 'cCCS1' || type === 'cCCS2' || type === 'cG105';
}

/**
 * Connector status from the state of the station, the EVSE and the connector (G01, G03, G04).
 * `closedForUpdate`: a firmware update waits for transactions to end and idle EVSEs take no new
 * sessions (L01.FR.07).
 */
export function deriveStatus(evse: Evse, c: Connector, stationInoperative: boolean, reserved: boolean, closedForUpdate = false): ConnectorStatus {
  if (c.faulted) return 'Faulted';
  // An Inoperative request during a transaction is Scheduled (G03.FR.05), so it is set only once idle.
  if (stationInoperative || evse.inoperative || c.inoperative) return 'Unavailable';
  if (closedForUpdate && !evse.transaction && !c.plugged) return 'Unavailable';
  if (c.plugged || (evse.transaction !== undefined && evse.transaction.connectorId === c.id)) return 'Occupied';
  return reserved ? 'Reserved' : 'Available';
}
