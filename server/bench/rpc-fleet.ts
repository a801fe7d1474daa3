/**
 * The comparison fleet for `--compare`: `ocpp-rpc` RPCClients (strictMode on, so every frame is
 * validated against the same OCA schemas both ways) doing what our `auto` fleet does in the
 * scenarios it supports: connect and BootNotification, stay connected (idle, boot-storm), or
 * Heartbeats back to back (throughput). It has no charger model, so `session` and `steady`
 * have no counterpart.
 * @module
 */
import { performance } from 'node:perf_hooks';
import { RPCClient } from 'ocpp-rpc';
import { pool, sourceAddress } from './fleet';
import type { Progress } from './progress';
import type { Failures, RoundTrips } from './stats';

/** Scenarios the ocpp-rpc fleet can run. */
export const RPC_SCENARIOS = ['idle', 'boot-storm', 'throughput'];

/** Options of an {@link RpcFleet}. */
export interface RpcFleetOptions {
  /** CSMS base URL (the id is appended). */
  baseUrl: string;
  /** Sockets opening at a time. */
  concurrency: number;
  /** Call timeout (ms). */
  timeoutMs: number;
  /** Sockets per source address 127.0.0.x. */
  perAddress: number;
}

/** N RPCClients, connected and booted. */
export class RpcFleet {
  /** The connected, booted clients. */
  readonly clients: RPCClient[] = [];

  /** @param options See {@link RpcFleetOptions}. */
  constructor(private readonly options: RpcFleetOptions) {}

  /** A timed call; the round trip goes into `trips`. */
  private static async call(client: RPCClient, action: string, payload: object, trips: RoundTrips): Promise<void> {
    const t0 = performance.now();
    await client.call(action, payload);
    trips.record(action, performance.now() - t0);
  }

  /**
   * Connect and boot clients 0..n-1 (`concurrency` at a time), as the `auto` fleet does.
   * @returns Wall time in ms.
   */
  async connect(n: number, failures: Failures, progress: Progress, trips: RoundTrips): Promise<number> {
    const o = this.options;
    let done = 0;
    progress.start('connecting (ocpp-rpc)', n, 'clients');
    const t0 = performance.now();
    await pool(n, o.concurrency, async (i) => {
      const id = `CP${String(i + 1).padStart(Math.max(3, String(n).length), '0')}`;
      const client = new RPCClient({
        endpoint: o.baseUrl.replace(/\/$/, ''),
        identity: id,
        protocols: ['ocpp1.6'],
        strictMode: true,
        reconnect: false,
        callTimeoutMs: o.timeoutMs,
        wsOpts: o.perAddress < n ? { localAddress: sourceAddress(i, o.perAddress) } : {},
        // The typings list every option as required; the library fills in its defaults.
      } as Partial<ConstructorParameters<typeof RPCClient>[0]> as ConstructorParameters<typeof RPCClient>[0]);
      try {
        await client.connect();
        await RpcFleet.call(client, 'BootNotification', { chargePointVendor: 'ocpp-rpc', chargePointModel: 'bench', chargePointSerialNumber: id }, trips);
        this.clients.push(client);
      } catch (err) {
        failures.add('connect', err);
        await client.close({ force: true }).catch(() => undefined);
      }
      progress.update(++done);
    });
    const wall = performance.now() - t0;
    progress.end();
    return wall;
  }

  /** Heartbeats back to back on every client until `endAt` (performance.now() ms). */
  async heartbeats(endAt: number, failures: Failures, trips: RoundTrips, stopped: () => boolean): Promise<void> {
    await Promise.all(
      this.clients.map(async (client) => {
        while (performance.now() < endAt && !stopped()) {
          try {
            await RpcFleet.call(client, 'Heartbeat', {}, trips);
          } catch (err) {
            failures.add('Heartbeat', err);
            return;
          }
        }
      }),
    );
  }

  /** Close every client. */
  async close(progress: Progress): Promise<void> {
    const clients = this.clients.splice(0);
    progress.log(`closing ${clients.length} ocpp-rpc clients…`);
    await pool(clients.length, 1000, async (i) => {
      await clients[i]!.close({ code: 1000 }).catch(() => undefined);
    });
  }
}
