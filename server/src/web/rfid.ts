/**
 * The RFID reader of a 2.0.1 station over REST (the seeds' routes): a card's ISO/IEC 14443 UID
 * becomes an Authorize with idToken type ISO14443, and the CSMS's idTokenInfo is the answer.
 * `POST /api/chargepoints/:id/rfid {"uid"}` and `POST /authorize_rfid {"cp", "uid"}`.
 * @module
 */
import type { ChargingStation } from '../charging-station/charging-station';

/**
 * Why a text is not a usable ISO 14443 UID, or undefined when it is (ocpp201-rules §5): 4, 7 or
 * 10 bytes as hex (8, 14 or 20 digits); byte 0 is not the cascade tag 0x88, nor byte 3 of a
 * 7-byte UID; a 4-byte UID starting 0x08 is a random ID that changes at every tap.
 * @param uid The UID as sent.
 */
export function iso14443Problem(uid: unknown): string | undefined {
  const shape = 'uid must be an ISO 14443 UID: 4, 7 or 10 bytes as hex (8, 14 or 20 hex digits)';
  if (typeof uid !== 'string' || !/^(?:[0-9A-Fa-f]{8}|[0-9A-Fa-f]{14}|[0-9A-Fa-f]{20})$/.test(uid)) return `${shape}, got ${JSON.stringify(uid)}`;
  const byte = (i: number): string => uid.slice(2 * i, 2 * i + 2).toUpperCase();
  if (byte(0) === '88' || (uid.length === 14 && byte(3) === '88')) return `${shape}: 0x88 is the cascade tag, not a UID byte (${uid})`;
  if (uid.length === 8 && byte(0) === '08') return `${shape}: a 4-byte UID starting 0x08 is a random ID, new at every tap (${uid})`;
  return undefined;
}

/** The answer of the reader: the token sent and the CSMS's verdict. */
export interface RfidAnswer {
  /** The Authorize idToken (UID upper-case, type ISO14443). */
  idToken: { idToken: string; type: 'ISO14443' };
  /** The CSMS's idTokenInfo, as it came. */
  idTokenInfo: unknown;
}

/** Hold a card to a 2.0.1 station's reader: Authorize with the UID. @param cs The station. @param uid A checked UID. */
export async function readCard(cs: ChargingStation, uid: string): Promise<RfidAnswer> {
  const idToken = { idToken: uid.toUpperCase(), type: 'ISO14443' as const };
  const { idTokenInfo } = await cs.call('Authorize', { idToken });
  return { idToken, idTokenInfo };
}
