/**
 * `connect()` and `connectMany()`: the entry points scripts receive.
 * @module
 */
import { ChargingStation, type ChargingStationOptions } from '../charging-station/charging-station';
import type { ProtocolVersion } from '../ocpp/protocol';
import { parseSubprotocol } from '../ocpp/protocols';
import { Chargepoint, type ChargepointOptions, type KeyStoreElement } from './chargepoint';
import { shareOf } from './fleet-mix';

/** Options of a 2.0.1 station for `connect` / `connectMany`: `protocol: 'ocpp2.0.1'` (or `'2.0.1'`) picks it. */
export type StationOptions201 = ChargingStationOptions & {
  /** The OCPP version: `ocpp2.0.1`. */
  protocol: 'ocpp2.0.1' | '2.0.1';
};

/** Options of either version: `protocol` (a name or a protocol table) chooses; 1.6 by default. */
export type AnyStationOptions = ChargepointOptions | StationOptions201;

/** A 1.6 charge point or a 2.0.1 charging station. */
export type AnyStation = Chargepoint | ChargingStation;

/**
 * Options that offer several versions on one connection and take the CSMS's choice:
 * `protocols: ['ocpp2.0.1', 'ocpp1.6']` (order = preference). The options common to both
 * versions apply; a profile is version-specific, so it is not one of them.
 */
export type NegotiatingOptions = Omit<ChargepointOptions, 'protocol' | 'profile'> &
  Omit<ChargingStationOptions, 'profile'> & {
    /** Versions to offer, in order of preference (`ocpp2.0.1` or `2.0.1`, `ocpp1.6` or `1.6`). */
    protocols: readonly string[];
  };

/** True when the options ask for OCPP 2.0.1. */
export function wants201(options: { protocol?: string | ProtocolVersion } | undefined): options is StationOptions201 {
  const p = options?.protocol;
  if (p === undefined) return false;
  return (typeof p === 'string' ? parseSubprotocol(p) : p.subprotocol) === 'ocpp2.0.1';
}

/** A station of the version the options ask for, not yet connected. */
function createStation(url: string, id: string | undefined, options: AnyStationOptions): AnyStation {
  if (wants201(options)) {
    const { protocol: _version, ...rest } = options;
    return new ChargingStation(url, id, rest);
  }
  const { protocol, ...rest } = options as ChargepointOptions & { protocol?: string | ProtocolVersion };
  if (typeof protocol === 'string') parseSubprotocol(protocol); // a readable error for an unknown name; 1.6 otherwise
  return new Chargepoint(url, id, typeof protocol === 'object' ? { ...rest, protocol } : rest);
}

/** The `connect` function handed to scripts. */
export interface ConnectFunction {
  /** A 2.0.1 charging station. */
  (url: string, cpName: string | undefined, keyStoreElement: KeyStoreElement | undefined, options: StationOptions201): Promise<ChargingStation>;
  /** A station of the version the CSMS chose among several offered. */
  (url: string, cpName: string | undefined, keyStoreElement: KeyStoreElement | undefined, options: NegotiatingOptions): Promise<AnyStation>;
  /** A 1.6 charge point. */
  (url: string, cpName?: string, keyStoreElement?: KeyStoreElement, options?: ChargepointOptions): Promise<Chargepoint>;
}

/**
 * Open a WebSocket to a central system (subprotocol `ocpp1.6`) and resolve to a connected
 * {@link Chargepoint}; rejects with an `OcppConnectionError` carrying one readable line.
 * The charge point answers CSMS calls by default; the script sends the first BootNotification
 * (pass `{boot: 'auto'}` to have it boot by itself).
 * @param url `ws://host:port/path/CP_ID` or `wss://…`; `ws://user:pass@host/…` sends HTTP Basic auth.
 * @param cpName Charge point id (default: the URL's last path segment).
 * @param keyStoreElement Client certificate `{id, key, cert}` (PEM paths) for `wss://`; default from the keystore.
 * With `{protocol: 'ocpp2.0.1'}` it opens an OCPP 2.0.1 {@link ChargingStation} instead
 * (subprotocol `ocpp2.0.1`, options {@link ChargingStationOptions}).
 * With `{protocols: ['ocpp2.0.1', 'ocpp1.6']}` it offers both on one connection and resolves to
 * the station of the version the CSMS chose ({@link NegotiatingOptions}).
 * @param options Further options (protocol or protocols, profile, boot, automation, timeouts, validation, TLS, password, stateDir).
 * @category Script API
 */
export async function connect(url: string, cpName: string | undefined, keyStoreElement: KeyStoreElement | undefined, options: StationOptions201): Promise<ChargingStation>;
export async function connect(url: string, cpName: string | undefined, keyStoreElement: KeyStoreElement | undefined, options: NegotiatingOptions): Promise<AnyStation>;
export async function connect(url: string, cpName?: string, keyStoreElement?: KeyStoreElement, options?: ChargepointOptions): Promise<Chargepoint>;
export async function connect(url: string, cpName?: string, keyStoreElement?: KeyStoreElement, options: AnyStationOptions | NegotiatingOptions = {}): Promise<AnyStation> {
  return openStation(url, cpName, keyStoreElement ? { ...options, keyStoreElement } : options);
}

/** Create and connect a station: of the version asked for, or of the one the CSMS picks among `protocols`. */
function openStation(url: string, id: string | undefined, options: AnyStationOptions | NegotiatingOptions): Promise<AnyStation> {
  if ('protocols' in options && options.protocols !== undefined) return connectNegotiating(url, id, options);
  return createStation(url, id, options as AnyStationOptions).connect();
}

/**
 * Offer several versions on one dial (2.0.1 Part 4 §3.1.2: the CSMS picks one) and connect the
 * station of the version picked. The socket is dialled once, so the CSMS sees one connection;
 * later reconnects offer the picked version only (the station is of that version for good).
 */
async function connectNegotiating(url: string, id: string | undefined, negotiating: NegotiatingOptions): Promise<AnyStation> {
  // `protocols` wins over a single `protocol` (e.g. a script's default from --protocol).
  const { protocols, protocol: _single, ...options } = negotiating as NegotiatingOptions & { protocol?: unknown };
  if (!Array.isArray(protocols) || protocols.length === 0) throw new RangeError('connect: protocols must list at least one OCPP version, e.g. ["ocpp2.0.1", "ocpp1.6"]');
  const offered = [...new Set(protocols.map(parseSubprotocol))];
  const stationOf = (protocol: string): AnyStation => createStation(url, id, { ...options, protocol } as AnyStationOptions);
  const preferred = stationOf(offered[0]!);
  let ws;
  try {
    ws = await preferred.negotiate(offered);
  } catch (err) {
    await preferred.close();
    throw err;
  }
  const station = ws.protocol === offered[0] ? preferred : stationOf(ws.protocol);
  if (station !== preferred) await preferred.close();
  station.handOver(ws);
  return station.connect();
}

/** Options of {@link connectMany} (fleet options with a 1.6 or, with `protocol: 'ocpp2.0.1'`, a 2.0.1 station's). */
export type FleetOptions = FleetSettings & (ChargepointOptions | StationOptions201);

/** The fleet part of {@link FleetOptions}. */
export interface FleetSettings {
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
  onProgress?: (done: number, total: number, cp: AnyStation, connected: boolean) => void;
  /**
   * A mixed fleet: each share's options (its `protocol` and version-specific settings) over the
   * common ones, for its weight's part of the fleet; the fleet's charge point i (0-based, whole
   * fleet) takes share `mixPattern(weights)[i % period]`, so shards and threads agree (fleet-mix.ts).
   */
  mix?: readonly FleetShare[];
}

/** One share of a mixed fleet (cloneable: it travels to fleet worker threads). */
export interface FleetShare {
  /** Its weight among the shares. */
  weight: number;
  /** Options of its charge points, e.g. `{protocol: 'ocpp2.0.1'}`. */
  options: AnyStationOptions;
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
 * @param options Fleet and charge-point options (`boot` defaults to `auto`; `protocol: 'ocpp2.0.1'` for 2.0.1 stations).
 * @category Script API
 */
export async function connectMany(baseUrl: string, count: number, options: FleetSettings & StationOptions201): Promise<ChargingStation[]>;
export async function connectMany(baseUrl: string, count: number, options?: FleetSettings & ChargepointOptions): Promise<Chargepoint[]>;
export async function connectMany(baseUrl: string, count: number, options?: FleetOptions): Promise<AnyStation[]>;
export async function connectMany(baseUrl: string, count: number, options: FleetOptions = {}): Promise<AnyStation[]> {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`connectMany: count must be a positive integer, got ${String(count)}`);
  const { idPrefix = 'CP', firstIndex = 1, concurrency = 50, onProgress, shard, mix, ...cpOptions } = options;
  const shareFor = mix && mix.length > 0 ? shareOf(mix) : undefined;
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const fleet: AnyStation[] = [];
  const { start, count: mine } = shard ? shardRange(count, shard) : { start: 0, count };
  for (let i = start; i < start + mine; i++) {
    const id = fleetId(idPrefix, firstIndex + i, firstIndex + count - 1);
    fleet.push(createStation(base + encodeURIComponent(id), id, { boot: 'auto', journal: count >= LARGE_FLEET ? 0 : undefined, ...cpOptions, ...shareFor?.(i).options } as AnyStationOptions));
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
  many: (baseUrl: string, count: number, options?: FleetOptions) => Promise<AnyStation[]>;
}

/** A `connect` bound to default options (what the runtime hands to a script). */
export function makeConnect(defaults: AnyStationOptions): ScriptConnect {
  const bound = (url: string, cpName?: string, keyStoreElement?: KeyStoreElement, options?: AnyStationOptions | NegotiatingOptions) =>
    openStation(url, cpName, { ...defaults, ...options, ...(keyStoreElement ? { keyStoreElement } : {}) } as AnyStationOptions);
  const many = (baseUrl: string, count: number, options?: FleetOptions) => connectMany(baseUrl, count, { ...defaults, ...options } as FleetSettings & ChargepointOptions);
  return Object.assign(bound as ConnectFunction, { many });
}
