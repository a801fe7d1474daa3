/**
 * Reservations of a 2.0.1 station (H01-H04): on one EVSE, on a connector type, or on no EVSE in
 * particular (then the station keeps enough free EVSEs, H01.FR.20); used by the token or its
 * group, cancelled, expired (ReservationStatusUpdate Expired) or removed when the EVSE becomes
 * Faulted or Unavailable (ReservationStatusUpdate Removed, H01.FR.17).
 * @module
 */
import type { TimerHandle } from '../../ocpp/scheduler';
import type { IdTokenType, ReserveNowRequest, ReserveNowStatusEnumType } from '../../ocpp/v201/types';
import type { Evse, Reservation } from '../model/evse';
import { sameToken } from './authorization';
import type { StationModel } from './station';

/** The reservations of one station. */
export class Reservations {
  /** Reservations made without an EVSE, oldest first. */
  private readonly anywhere: Reservation[] = [];
  private timersMade: Map<number, TimerHandle> | undefined;
  /** Made on first use. */
  private get timers(): Map<number, TimerHandle> {
    return (this.timersMade ??= new Map());
  }

  /**
   * Create the reservation book of a station.
   * @param s The station.
   */
  constructor(private readonly s: StationModel) {
    s.isReserved = (e) => this.forEvse(e) !== undefined;
  }

  private usable(e: Evse): boolean {
    return !e.transaction && !e.reservation && e.connectors.every((c) => c.status !== 'Faulted' && c.status !== 'Unavailable' && !c.plugged);
  }

  /** The reservation holding an EVSE: its own, or one made for any EVSE when no spare EVSE is left. */
  forEvse(e: Evse): Reservation | undefined {
    if (e.reservation) return e.reservation;
    if (this.anywhere.length === 0 || !this.usable(e)) return undefined;
    const free = this.s.evses.filter((x) => this.usable(x));
    return free.length <= this.anywhere.length ? this.anywhere[0] : undefined;
  }

  /** True when `idToken` (or its group) may use the EVSE despite its reservation (H03). */
  allows(e: Evse, idToken: IdTokenType, groupIdToken?: IdTokenType): boolean {
    const r = this.forEvse(e);
    return !r || sameToken(r.idToken, idToken) || (r.groupIdToken !== undefined && sameToken(r.groupIdToken, groupIdToken));
  }

  /** Consume the reservation of an EVSE for a transaction; its id goes into the TransactionEvent. */
  use(e: Evse): number | undefined {
    const r = this.forEvse(e);
    if (r) this.drop(r.id);
    return r?.id;
  }

  /** ReserveNow (H01). */
  reserve(req: ReserveNowRequest): ReserveNowStatusEnumType {
    const d = this.s.device;
    if (!d.bool('ReservationCtrlr', 'Enabled')) return 'Rejected';
    this.drop(req.id); // H01.FR.02: the same id replaces the reservation
    const reservation: Reservation = { id: req.id, idToken: req.idToken, expiresAt: Date.parse(req.expiryDateTime) };
    if (req.groupIdToken) reservation.groupIdToken = req.groupIdToken;
    if (req.connectorType) reservation.connectorType = req.connectorType;
    let candidates = this.s.evses;
    if (req.evseId !== undefined && req.evseId > 0) {
      const e = this.s.evse(req.evseId);
      if (!e) return 'Rejected';
      candidates = [e];
    } else if (!d.bool('ReservationCtrlr', 'NonEvseSpecific')) return 'Rejected';
    if (req.connectorType) candidates = candidates.filter((e) => e.connectors.some((c) => c.type === req.connectorType));
    if (candidates.length === 0) return 'Rejected';
    const free = candidates.filter((e) => this.usable(e) && this.forEvse(e) === undefined);
    if (free.length === 0) {
      const states = candidates.flatMap((e) => e.connectors.map((c) => c.status));
      if (states.every((x) => x === 'Faulted')) return 'Faulted';
      if (states.every((x) => x === 'Unavailable' || x === 'Faulted')) return 'Unavailable';
      return 'Occupied';
    }
    if (req.evseId !== undefined && req.evseId > 0) free[0]!.reservation = reservation;
    else if (req.connectorType) free[0]!.reservation = reservation;
    else this.anywhere.push({ ...reservation, anyEvse: true });
    const s = this.s.link.scheduler;
    this.timers.set(req.id, s.after(Math.max(0, reservation.expiresAt - this.s.now()), () => this.end(req.id, 'Expired')));
    this.s.refresh();
    return 'Accepted';
  }

  /** CancelReservation (H02): false for an unknown id. */
  cancel(id: number): boolean {
    const found = this.drop(id);
    if (found) this.s.refresh();
    return found;
  }

  /** Remove the reservations of EVSEs that became Faulted or Unavailable (H01.FR.17). */
  removeUnusable(): void {
    for (const e of this.s.evses) {
      if (e.reservation && e.connectors.every((c) => c.status === 'Faulted' || c.status === 'Unavailable')) this.end(e.reservation.id, 'Removed');
    }
  }

  /** End a reservation and tell the CSMS (H04). */
  private end(id: number, status: 'Expired' | 'Removed'): void {
    if (!this.drop(id)) return;
    void this.s.notify('ReservationStatusUpdate', { reservationId: id, reservationUpdateStatus: status });
    this.s.refresh();
  }

  private drop(id: number): boolean {
    this.s.link.scheduler.cancel(this.timers.get(id));
    this.timers.delete(id);
    const e = this.s.evses.find((x) => x.reservation?.id === id);
    if (e) e.reservation = undefined;
    const i = this.anywhere.findIndex((r) => r.id === id);
    if (i >= 0) this.anywhere.splice(i, 1);
    return e !== undefined || i >= 0;
  }

  /** Cancel the expiry timers (shutdown). */
  stop(): void {
    for (const t of this.timers.values()) this.s.link.scheduler.cancel(t);
  }
}
