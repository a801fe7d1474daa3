/**
 * `--metrics-port N`: Prometheus metrics of a run's charge points (a script's or a `--cps`
 * fleet's), served as text format at `http://HOST:N/metrics` by prom-client.
 *
 * Cheap when on: per-action children are made once and kept in a map keyed by the action string,
 * so a call costs a map lookup and an increment; the gauges (connection and boot state, queue
 * lengths) are computed only when Prometheus scrapes. Free when off: nothing is installed, and the
 * endpoint's `inbound`/`timeout` events are emitted only when someone listens.
 *
 * With `--workers W` (W > 1) each worker thread counts its own stations; this module runs in the
 * main thread only, so the CLI refuses the combination until workers send snapshots (see README).
 * @module
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AnyStation } from '../chargepoint/connect';

type Child<T> = { inc(n?: number): void } & T;

/** Keeps one labelled child per label value, so the hot path allocates nothing after the first call. */
class PerAction<T extends { inc?(n?: number): void; observe?(v: number): void }> {
  private readonly children = new Map<string, T>();
  constructor(private readonly make: (key: string) => T) {}
  /** The child for `key`, made on first use. @param key e.g. `BootNotification` or `BootNotification\u0000result` */
  of(key: string): T {
    let child = this.children.get(key);
    if (child === undefined) this.children.set(key, (child = this.make(key)));
    return child;
  }
}

/** The metrics of one run's charge points, in their own registry. */
export class StationMetrics {
  /** The registry `/metrics` serves. */
  readonly registry = new Registry();
  private readonly live = new Set<AnyStation>();
  private readonly boot = new Map<AnyStation, string>();
  private readonly opened = new WeakSet<AnyStation>();
  private readonly sent: PerAction<Child<object>>;
  private readonly received: PerAction<Child<object>>;
  private readonly rtt: PerAction<{ observe(v: number): void }>;
  private readonly reconnects: Counter;
  private readonly txOpen: Gauge.Internal<string>;
  private readonly txFinished: Gauge.Internal<string>;
  private readonly energy: Counter;

  constructor() {
    const registers = [this.registry];
    // RSS, CPU, event-loop lag, as ocpp_sim_process_resident_memory_bytes etc. (deploy/ dashboards read them).
    collectDefaultMetrics({ register: this.registry, prefix: 'ocpp_sim_' });
    const live = this.live;
    const boot = this.boot;
    new Gauge({
      name: 'ocpp_sim_charge_points', help: 'Charge points by connection state', labelNames: ['state'], registers,
      collect() {
        let up = 0;
        for (const cp of live) if (cp.connected) up++;
        this.set({ state: 'connected' }, up);
        this.set({ state: 'disconnected' }, live.size - up);
      },
    });
    new Gauge({
      name: 'ocpp_sim_charge_points_boot', help: 'Charge points by the status of their last BootNotification (none: not answered yet)', labelNames: ['status'], registers,
      collect() {
        this.reset();
        const counts = new Map<string, number>();
        for (const cp of live) {
          const s = boot.get(cp) ?? 'none';
          counts.set(s, (counts.get(s) ?? 0) + 1);
        }
        for (const [status, n] of counts) this.set({ status }, n);
      },
    });
    new Gauge({
      name: 'ocpp_sim_calls_pending', help: 'Outbound calls waiting behind the one in flight (OCPP-J: one CALL at a time), all charge points', registers,
      collect() {
        let n = 0;
        for (const cp of live) n += cp.endpoint.queued;
        this.set(n);
      },
    });
    const sent = new Counter({ name: 'ocpp_sim_calls_sent_total', help: 'Calls the charge points sent, by action and outcome (result, error, timeout)', labelNames: ['action', 'outcome'], registers });
    this.sent = new PerAction((key) => {
      const [action, outcome] = key.split('\u0000') as [string, string];
      return sent.labels(action, outcome);
    });
    const received = new Counter({ name: 'ocpp_sim_calls_received_total', help: 'Calls the charge points received from the CSMS, by action', labelNames: ['action'], registers });
    this.received = new PerAction((action) => received.labels(action));
    const rtt = new Histogram({
      name: 'ocpp_sim_call_round_trip_seconds', help: 'From sending a call to its answer, by action', labelNames: ['action'], registers,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    });
    this.rtt = new PerAction((action) => rtt.labels(action));
    this.reconnects = new Counter({ name: 'ocpp_sim_reconnects_total', help: 'Connections opened after a charge point\'s first', registers });
    const transactions = new Gauge({ name: 'ocpp_sim_transactions', help: 'Transactions open now and finished so far', labelNames: ['state'], registers });
    this.txOpen = transactions.labels('open');
    this.txFinished = transactions.labels('finished');
    this.energy = new Counter({ name: 'ocpp_sim_energy_delivered_wh_total', help: 'Energy of ended sessions (meterStop - meterStart), Wh', registers });
  }

  /** Count a station's events from now on (the run's `observe` hook calls this). @param cp The station. */
  watch(cp: AnyStation): void {
    this.live.add(cp);
    cp.on('open', () => {
      if (this.opened.has(cp)) this.reconnects.inc();
      else this.opened.add(cp);
    });
    cp.on('boot', (status: string) => this.boot.set(cp, status));
    cp.on('transaction', (t: { type: string }) => {
      if (t.type === 'start') this.txOpen.inc();
      else if (t.type === 'stop') {
        this.txOpen.dec();
        this.txFinished.inc();
      }
    });
    cp.on('session', (record: { energyWh: number }) => {
      if (record.energyWh > 0) this.energy.inc(record.energyWh);
    });
    cp.endpoint.on('response', (action: string, ms: number, outcome: string) => {
      this.sent.of(`${action}\u0000${outcome}`).inc();
      this.rtt.of(action).observe(ms / 1000);
    });
    cp.endpoint.on('timeout', (action: string) => this.sent.of(`${action}\u0000timeout`).inc());
    cp.endpoint.on('inbound', (action: string) => this.received.of(action).inc());
  }
}

/**
 * Serve a registry at `/metrics` (anything else: 404).
 * @param registry What to serve.
 * @param host Address to bind (default loopback: the counters name charge points).
 * @param port 0 picks a free port.
 * @returns The server, listening; its address says the port.
 */
export async function serveMetrics(registry: Registry, host: string, port: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const addr = server.address() as AddressInfo;
  process.stderr.write(`metrics on http://${host.includes(':') ? `[${host}]` : host}:${addr.port}/metrics\n`);
  return server;
}
