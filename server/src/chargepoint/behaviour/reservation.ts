/**
 * Default answers of the Reservation profile (OCPP 1.6 §5.13 ReserveNow, §5.1
 * CancelReservation; TC_046 to TC_052).
 * @module
 */
import type { Connector } from '../model/connector';
import { supports, type Behaviours } from './types';

type ReserveStatus = 'Accepted' | 'Faulted' | 'Occupied' | 'Rejected' | 'Unavailable';

/** Why a connector cannot take a reservation, or undefined when it can. */
function obstacle(c: Connector, reservationId: number): ReserveStatus | undefined {
  if (c.status === 'Faulted') return 'Faulted';
  if (c.status === 'Unavailable') return 'Unavailable';
  if (c.transaction || c.plugged || c.authorized || (c.reservation && c.reservation.id !== reservationId)) return 'Occupied';
  return undefined;
}

/** Reservation behaviours. */
export const reservation: Behaviours = {
  ReserveNow({ connectorId, expiryDate, idTag, parentIdTag, reservationId }, { station }) {
    const answer = (status: ReserveStatus) => ({ response: { status } });
    const c = station.connector(connectorId);
    if (!supports(station, 'Reservation') || !c) return answer('Rejected');
    if (connectorId === 0) {
      // TC_049 / TC_050: the whole charge point; reservable while one connector is free.
      if (!station.config.bool('ReserveConnectorZeroSupported')) return answer('Rejected');
      const verdicts = station.connectors.slice(1).map((x) => obstacle(x, reservationId));
      if (!verdicts.includes(undefined)) {
        const all = (s: ReserveStatus): boolean => verdicts.every((v) => v === s);
        return answer(all('Faulted') ? 'Faulted' : all('Unavailable') ? 'Unavailable' : 'Occupied');
      }
      if (c.reservation && c.reservation.id !== reservationId) return answer('Occupied');
    } else {
      const why = obstacle(c, reservationId);
      if (why) return answer(why);
    }
    // The answer first, then the StatusNotification Reserved (as with every follow-up).
    const followUp = (): void => station.reserve(c, { id: reservationId, idTag, parentIdTag, expiresAt: Date.parse(expiryDate) });
    return { response: { status: 'Accepted' }, followUp };
  },

  CancelReservation({ reservationId }, { station }) {
    if (!station.connectors.some((c) => c.reservation?.id === reservationId)) return { response: { status: 'Rejected' } };
    // The answer first, then the StatusNotification Available.
    return { response: { status: 'Accepted' }, followUp: () => station.endReservation(reservationId) };
  },
};
