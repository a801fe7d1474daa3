/**
 * One connector's state and the OCPP status it implies (OCPP 1.6 §4.9, §7.7
 * ChargePointStatus). The status is derived from the state, never set loosely, so every path
 * through the model reports the same status for the same situation.
 * @module
 */
import type { Ocpp16Messages } from '../../ocpp/v16/types';
import type { EvSpec } from '../../ev/ev';
import type { ChargingProfile } from './charging-profiles';
import type { Meter } from './meter';

/** StatusNotification status values. */
export type ConnectorStatus = Ocpp16Messages['StatusNotification']['request']['status'];
/** StatusNotification errorCode values. */
export type ConnectorErrorCode = Ocpp16Messages['StatusNotification']['request']['errorCode'];

/** A transaction as the charge point knows it. */
export interface Transaction {
  /** Local sequence number: the key while the CSMS's transactionId is not yet known (offline start). */
  localId: number;
  /** The CSMS's transactionId, once StartTransaction.conf arrived. */
  id?: number;
  /** Connector it runs on. */
  connectorId: number;
  /** The idTag that started it. */
  idTag: string;
  /** Its parentIdTag, when known (another tag of the same group may stop it, §3.5.4). */
  parentIdTag?: string;
  /** Reservation it consumed. */
  reservationId?: number;
  /** Start time, epoch ms. */
  startedAt: number;
  /** Register at start, Wh. */
  meterStart: number;
  /** Energy stopped: the EV (SuspendedEV) or the charge point (SuspendedEVSE). */
  suspended?: 'EV' | 'EVSE';
  /**
   * Started by a script's own StartTransaction: the model tracks it (the defaults see it, the
   * register follows the script's readings) but sends neither meter values nor statuses for it.
   */
  scripted?: boolean;
}

/** A reservation (§5.13 ReserveNow). */
export interface Reservation {
  /** reservationId. */
  id: number;
  /** Reserved for this idTag… */
  idTag: string;
  /** …or any tag with this parent. */
  parentIdTag?: string;
  /** Expiry, epoch ms. */
  expiresAt: number;
}

/** Mutable state of one connector (connector 0 stands for the whole charge point). */
export interface Connector {
  /** 0 for the charge point, 1..N for connectors. */
  readonly id: number;
  /** The meter of this connector (none for connector 0). */
  readonly meter?: Meter;
  /** The status last derived (and reported when online). */
  status: ConnectorStatus;
  /** ChangeAvailability result in force. */
  inoperative: boolean;
  /** Availability to apply when the running transaction ends (ChangeAvailability answered Scheduled). */
  scheduledInoperative?: boolean;
  /** Error code of a fault, e.g. `GroundFailure`; undefined when healthy. */
  fault?: ConnectorErrorCode;
  /** Cable connected to an EV. */
  plugged: boolean;
  /** A transaction ended while the cable is still in: Finishing until unplugged. */
  finishing: boolean;
  /** An idTag authorized (or remote start accepted) that waits for the cable. */
  authorized?: { idTag: string; parentIdTag?: string; reservationId?: number; remote: boolean; chargingProfile?: ChargingProfile };
  /** The running transaction. */
  transaction?: Transaction;
  /** The reservation on this connector. */
  reservation?: Reservation;
  /** A status a script forced with setStatus, kept until the next change of state. */
  forced?: ConnectorStatus;
  /** The EV that arrives at the next plug-in (the profile's, a script's or the UI's; undefined: the defaults). */
  ev?: EvSpec;
}

/** A fresh, available connector. */
export function newConnector(id: number, meter?: Meter): Connector {
  return { id, meter, status: 'Available', inoperative: false, plugged: false, finishing: false };
}

/**
 * The status a connector's state implies (§4.9). `station` is connector 0: its fault and
 * availability apply to every connector.
 */
export function deriveStatus(c: Connector, station: Connector): ConnectorStatus {
  if (c.forced) return c.forced;
  if (c.fault || (c.id !== 0 && station.fault)) return 'Faulted';
  if (c.id === 0) return c.inoperative ? 'Unavailable' : 'Available';
  const tx = c.transaction;
  if (tx) return tx.suspended === 'EV' ? 'SuspendedEV' : tx.suspended === 'EVSE' ? 'SuspendedEVSE' : 'Charging';
  if (c.inoperative || station.inoperative) return 'Unavailable';
  if (c.finishing) return 'Finishing';
  if (c.plugged || c.authorized) return 'Preparing';
  if (c.reservation) return 'Reserved';
  return 'Available';
}
