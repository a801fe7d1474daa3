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
  /**
   * Run only part `index` (0-based) of `count` parts of the fleet: a contiguous block of ids,
   * [⌊N·index/count⌋, ⌊N·(index+1)/count⌋) of the N given, so every part gets N/count ±1 and
   * the ids (and their zero padding) are those of the whole fleet. Parts of parts split the
   * same way: part w of W of part i of n is part i·W+w of n·W.
   */
  shard?: Shard;
  /** Called after each charge point's first connection attempt. */
  onProgress?: (done: number, total: number, cp: Chargepoint, connected: boolean) => void;
}

/** From this many charge points, `connectMany` defaults to `journal: 0`. */
export const LARGE_FLEET = 1000;

/** Part `index` (0-based) of `count` equal parts of a fleet (`--shard i/n`). */
export interface Shard {
  /** Which part, 0 ≤ index < count. */
  index: number;
  /** How many parts. */
  count: number;
}

/**
 * The 0-based offsets of a shard's charge points within a fleet of `total`: a contiguous block.
 * @returns `{start, count}`; count may be 0 when there are more shards than charge points.
 */
export function shardRange(total: number, shard: Shard): { start: number; count: number } {
  if (!Number.isInteger(shard.count) || shard.count < 1 || !Number.isInteger(shard.index) || shard.index < 0 || shard.index >= shard.count) {
    throw new RangeError(`shard must be i/n with 0 <= i < n, got ${shard.index}/${shard.count}`);
  }
  const start = Math.floor((total * shard.index) / shard.count);
  return { start, count: Math.floor((total * (shard.index + 1)) / shard.count) - start };
}

/** The id of the n-th charge point of a fleet: prefix + number padded to at least 3 digits. */
export function fleetId(prefix: string, n: number, total: number): string {
  return `${prefix}${String(n).padStart(Math.max(3, String(total).length), '0')}`;
}

/**
 * Start a fleet of charge points with default behaviour: each connects to `baseUrl` + its id,
 * boots by itself and keeps reconnecting with back-off if the CSMS is not (yet) reachable.
 * Resolves once every charge point made its first connection attempt.
 *
 * Fleets of {@link LARGE_FLEET} or more keep no journal by default (`journal: 0`): 200 frames
 * per charge point would cost more memory than the charge point itself; pass `journal` to have
 * their diagnostics files list frames.
 * @param baseUrl CSMS URL the ids are appended to, e.g. `ws://localhost:8100/ocpp/`.
 * @param count Number of charge points (of the whole fleet, when `shard` is given).
 * @param options Fleet and charge-point options (`boot` defaults to `auto`).
 */
export async function connectMany(baseUrl: string, count: number, options: FleetOptions = {}): Promise<Chargepoint[]> {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`connectMany: count must be a positive integer, got ${String(count)}`);
  const { idPrefix = 'CP', firstIndex = 1, concurrency = 50, onProgress, shard, ...cpOptions } = options;
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const fleet: Chargepoint[] = [];
  const { start, count: mine } = shard ? shardRange(count, shard) : { start: 0, count };
  for (let i = start; i < start + mine; i++) {
    const id = fleetId(idPrefix, firstIndex + i, firstIndex + count - 1);
    fleet.push(new Chargepoint(base + encodeURIComponent(id), id, { boot: 'auto', journal: count >= LARGE_FLEET ? 0 : undefined, ...cpOptions }));
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
  await Promise.all(Array.from({ length: Math.min(concurrency, fleet.length) }, worker));
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
