/**
 * `connect()`: the entry point scripts receive.
 * @module
 */
import { Chargepoint, type ChargepointOptions, type KeyStoreElement } from './chargepoint';

/** The `connect` function handed to scripts. */
export type ConnectFunction = (url: string, cpName?: string, keyStoreElement?: KeyStoreElement) => Promise<Chargepoint>;

/**
 * Open a WebSocket to a central system (subprotocol `ocpp1.6`) and resolve to a connected
 * {@link Chargepoint}; rejects with an `OcppConnectionError` carrying one readable line.
 * @param url `ws://host:port/path/CP_ID` or `wss://…`; `ws://user:pass@host/…` sends HTTP Basic auth.
 * @param cpName Charge point id (default: the URL's last path segment).
 * @param keyStoreElement Client certificate `{id, key, cert}` (PEM paths) for `wss://`; default from the keystore.
 * @param options Further options (timeouts, validation, TLS, password).
 */
export async function connect(url: string, cpName?: string, keyStoreElement?: KeyStoreElement, options: ChargepointOptions = {}): Promise<Chargepoint> {
  return new Chargepoint(url, cpName, keyStoreElement ? { ...options, keyStoreElement } : options).connect();
}

/** A `connect` bound to default options (what the runtime hands to a script). */
export function makeConnect(defaults: ChargepointOptions): ConnectFunction {
  return (url, cpName, keyStoreElement) => connect(url, cpName, keyStoreElement, defaults);
}
