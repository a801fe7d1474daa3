/**
 * `connect()` and `connectMany()`: the entry points scripts receive.
 * @module
 */
import { Chargepoint, type ChargepointOptions, type KeyStoreElement } from './chargepoint';

/** The `connect` function handed to scripts. */
export type ConnectFunction = (url: string, cpName?: string, keyStoreElement?: KeyStoreElement, options?: ChargepointOptions) => Promise<Chargepoint>;

/**
 * Open a WebSocket to a central system (subprotocol `ocpp1.6`) and resolve to a connected
 * {@link Chargepoint}; rejects with an `OcppConnectionError` carrying one readable line.
 * The charge point answers CSMS calls by default; the script sends the first BootNotification
 * (pass `{boot: 'auto'}` to have it boot by itself).
 * @param url `ws://host:port/path/CP_ID` or `wss://…`; `ws://user:pass@host/…` sends HTTP Basic auth.
 * @param cpName Charge point id (default: the URL's last path segment).
 * @param keyStoreElement Client certificate `{id, key, cert}` (PEM paths) for `wss://`; default from the keystore.
 * @param options Further options (profile, boot, automation, timeouts, validation, TLS, password, stateDir).
 */
export async function connect(url: string, cpName?: string, keyStoreElement?: KeyStoreElement, options: ChargepointOptions = {}): Promise<Chargepoint> {
  return new Chargepoint(url, cpName, keyStoreElement ? { ...options, keyStoreElement } : options).connect();
}

/** Options of {@link connectMany}. */
export interface FleetOptions extends ChargepointOptions {
  /** Id prefix (default `CP`); ids are prefix + zero-padded number, e.g. CP001. */
  idPrefix?: string;
  /** Number of the first charge point (default 1). */
  firstIndex?: number;
  /** Connections opened at once (default 50). */
  concurrency?: number;
  /** Called after each charge point's first connection attempt. */
  onProgress?: (done: number, total: number, cp: Chargepoint, connected: boolean) => void;
}

/** The id of the n-th charge point of a fleet: prefix + number padded to at least 3 digits. */
export function fleetId(prefix: string, n: number, total: number): string {
  return `${prefix}${String(n).padStart(Math.max(3, String(total).length), '0')}`;
}

/**
 * Start a fleet of charge points with default behaviour: each connects to `baseUrl` + its id,
 * boots by itself and keeps reconnecting with back-off if the CSMS is not (yet) reachable.
 * Resolves once every charge point made its first connection attempt.
 * @param baseUrl CSMS URL the ids are appended to, e.g. `ws://localhost:8100/ocpp/`.
 * @param count Number of charge points.
 * @param options Fleet and charge-point options (`boot` defaults to `auto`).
 */
export async function connectMany(baseUrl: string, count: number, options: FleetOptions = {}): Promise<Chargepoint[]> {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`connectMany: count must be a positive integer, got ${String(count)}`);
  const { idPrefix = 'CP', firstIndex = 1, concurrency = 50, onProgress, ...cpOptions } = options;
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const fleet: Chargepoint[] = [];
  for (let i = 0; i < count; i++) {
    const id = fleetId(idPrefix, firstIndex + i, firstIndex + count - 1);
    fleet.push(new Chargepoint(base + encodeURIComponent(id), id, { boot: 'auto', ...cpOptions }));
  }
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < fleet.length) {
      const cp = fleet[next++]!;
      const connected = await cp.lifecycle.connectNow();
      onProgress?.(++done, fleet.length, cp, connected);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return fleet;
}

/** What the runtime hands to a script: `connect` with default options, plus `connect.many`. */
export interface ScriptConnect extends ConnectFunction {
  /** {@link connectMany} with the same defaults. */
  many: (baseUrl: string, count: number, options?: FleetOptions) => Promise<Chargepoint[]>;
}

/** A `connect` bound to default options (what the runtime hands to a script). */
export function makeConnect(defaults: ChargepointOptions): ScriptConnect {
  const bound = (url: string, cpName?: string, keyStoreElement?: KeyStoreElement, options?: ChargepointOptions) =>
    connect(url, cpName, keyStoreElement, { ...defaults, ...options });
  return Object.assign(bound, { many: (baseUrl: string, count: number, options?: FleetOptions) => connectMany(baseUrl, count, { ...defaults, ...options }) });
}
