/**
 * Default answers of block H, Reservation: ReserveNow (H01) and CancelReservation (H02).
 * @module
 */
import type { Behaviours201 } from './types';

/** Reservation defaults. */
export const reservation: Behaviours201 = {
  ReserveNow: (req, { reservations }) => ({ response: { status: reservations.reserve(req) } }),
  CancelReservation: (req, { reservations }) => ({ response: { status: reservations.cancel(req.reservationId) ? 'Accepted' : 'Rejected' } }),
};
