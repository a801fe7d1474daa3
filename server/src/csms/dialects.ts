/**
 * The dialects the mock CSMS serves, by WebSocket subprotocol.
 * @module
 */
import type { CsmsDialect } from './dialect';
import { v16Dialect } from './v16/dialect';
import { v201Dialect } from './v201/dialect';

/** Every dialect, in the default order of preference (2.0.1 first). */
export const DIALECTS: readonly CsmsDialect[] = [v201Dialect, v16Dialect];

/**
 * The dialect of a negotiated subprotocol.
 * @param subprotocol e.g. `ocpp2.0.1`.
 */
export function dialectFor(subprotocol: string): CsmsDialect {
  const dialect = DIALECTS.find((d) => d.protocol.subprotocol === subprotocol);
  if (!dialect) throw new Error(`the mock CSMS does not speak ${subprotocol}`);
  return dialect;
}
