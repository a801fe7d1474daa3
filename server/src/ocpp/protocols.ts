/**
 * The protocol versions ocpp-sim speaks, by WebSocket subprotocol, and the reading of the version
 * names users type (`2.0.1`, `ocpp1.6`, ...). The version of a connection is chosen only by the
 * subprotocol negotiation (2.0.1 Part 4 §3.1.2), so this is the one place that maps a name to a
 * {@link ProtocolVersion}. Both tables are small; their schemas and validators load on first use.
 * @module
 */
import type { ProtocolVersion } from './protocol';
import { ocpp16 } from './v16/protocol';
import { ocpp201 } from './v201/protocol';

/** Every subprotocol ocpp-sim speaks, newest (the default preference) first. */
export const SUPPORTED_SUBPROTOCOLS = ['ocpp2.0.1', 'ocpp1.6'] as const;

/** A WebSocket subprotocol ocpp-sim speaks. */
export type Subprotocol = (typeof SUPPORTED_SUBPROTOCOLS)[number];

const BY_SUBPROTOCOL: ReadonlyMap<string, ProtocolVersion> = new Map([
  [ocpp201.subprotocol, ocpp201],
  [ocpp16.subprotocol, ocpp16],
]);

/** True when `name` is a subprotocol ocpp-sim speaks. @param name E.g. `ocpp2.0.1`. */
export function isSupportedSubprotocol(name: string): name is Subprotocol {
  return BY_SUBPROTOCOL.has(name);
}

/**
 * The protocol table of a negotiated subprotocol.
 * @param name A subprotocol, e.g. `Accepted.protocol` of a connection.
 * @throws RangeError naming the supported ones, for any other name.
 */
export function protocolBySubprotocol(name: string): ProtocolVersion {
  const protocol = BY_SUBPROTOCOL.get(name);
  if (!protocol) throw new RangeError(`unsupported OCPP subprotocol "${name}" (supported: ${SUPPORTED_SUBPROTOCOLS.join(', ')})`);
  return protocol;
}

/**
 * Read one user-facing version name: `2.0.1` or `ocpp2.0.1`, `1.6` or `ocpp1.6` (any case).
 * @param text The name as typed.
 * @returns The subprotocol.
 * @throws RangeError with one readable line for anything else.
 */
export function parseSubprotocol(text: string): Subprotocol {
  const name = text.trim().toLowerCase();
  const full = name.startsWith('ocpp') ? name : `ocpp${name}`;
  if (isSupportedSubprotocol(full)) return full;
  const choices = SUPPORTED_SUBPROTOCOLS.map((s) => `${s.slice(4)} (${s})`).join(' or ');
  throw new RangeError(`unknown OCPP version "${text}": use ${choices}`);
}

/**
 * Read a comma-separated preference list (`ocpp2.0.1,ocpp1.6`, `1.6`), keeping its order and
 * dropping repeats.
 * @param text The list as typed.
 * @throws RangeError for an empty list or an unknown name.
 */
export function parseSubprotocols(text: string): Subprotocol[] {
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new RangeError(`no OCPP version given: use ${SUPPORTED_SUBPROTOCOLS.join(',')} or a part of it`);
  return [...new Set(names.map(parseSubprotocol))];
}
