/**
 * `--metrics-port N`: Prometheus metrics of a run, served as text format at `http://HOST:N/metrics`
 * by prom-client: a script's or `--cps` fleet's charge points (here), the mock CSMS's stations
 * (csms-metrics.ts), and the process itself, in one registry.
 *
 * Cheap when on: per-action children are made on an action's first call and kept in a map keyed
 * by the action string (with one child per outcome), so a call costs a map lookup and an
 * increment, no allocation; the gauges (connection and boot state, queue lengths) are computed
 * only when Prometheus scrapes. Free when off: nothing is installed, and the endpoint's
 * `inbound`/`answered`/`timeout` events are emitted only when someone listens.
 *
 * With `--workers W` (W > 1) each worker thread counts its own stations in a registry of its own
 * and sends it as JSON when the main thread is scraped (workers.ts); the main thread serves the
 * sum ({@link serveMetrics}), next to its own process and CSMS series.
 * @module
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AnyStation } from '../chargepoint/connect';

/** A registry's series as plain data (`registry.getMetricsAsJSON()`): what a worker thread sends. */
export type MetricFamilies = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** Keeps one labelled child (or record of children) per action, so the hot path allocates nothing after an action's first call. */
export class PerAction<T> {
  private readonly children = new Map<string, T>();
  /** @param make Makes the child of an action, once. */
  constructor(private readonly make: (action: string) => T) {}
  /** The child for `action`, made on first use. @param action e.g. `BootNotification` */
  of(action: string): T {
    let child = this.children.get(action);
    if (child === undefined) this.children.set(action, (child = this.make(action)));
    return child;
  }
}

/**
 * Per action, one child of an `action, outcome` counter for each outcome.
 * @param counter A counter labelled `action` and `outcome`.
 * @param outcomes The outcomes it counts.
 */
export function outcomesPerAction<O extends string>(counter: Counter, outcomes: readonly O[]): PerAction<Record<O, Counter.Internal>> {
  return new PerAction((action) => Object.fromEntries(outcomes.map((o) => [o, counter.labels(action, o)])) as Record<O, Counter.Internal>);
}

/**
 * A run's registry, holding the process's own series: RSS, CPU, event-loop lag, as
 * `ocpp_sim_process_resident_memory_bytes` etc. (deploy/ dashboards read them). One per process:
 * a worker thread's registry has none (its RSS would be the process's, counted twice).
 */
export function processRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'ocpp_sim_' });
  return registry;
}

/** The metrics of one run's charge points (or one worker thread's share of them). */
export class StationMetrics {
  private readonly live = new Set<AnyStation>();
  private readonly boot = new Map<AnyStation, string>();
  private readonly opened = new WeakSet<AnyStation>();
  private readonly sent: PerAction<Record<'result' | 'error' | 'timeout', Counter.Internal>>;
  private readonly received: PerAction<Record<'result' | 'error', Counter.Internal>>;
  private readonly rtt: PerAction<{ observe(v: number): void }>;
  private readonly reconnects: Counter;
  private readonly txOpen: Gauge.Internal<string>;
  private readonly txFinished: Gauge.Internal<string>;
  private readonly energy: Counter;

  /** @param registry Where the series go (the run's, or a worker thread's own). */
  constructor(readonly registry: Registry) {
    const registers = [registry];
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
    this.sent = outcomesPerAction(sent, ['result', 'error', 'timeout']);
    const received = new Counter({ name: 'ocpp_sim_calls_received_total', help: 'Calls the charge points received from the CSMS and answered, by action and answer (result, error)', labelNames: ['action', 'outcome'], registers });
    this.received = outcomesPerAction(received, ['result', 'error']);
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
    cp.endpoint.on('response', (action: string, ms: number, outcome: 'result' | 'error') => {
      this.sent.of(action)[outcome].inc();
      this.rtt.of(action).observe(ms / 1000);
    });
    cp.endpoint.on('timeout', (action: string) => this.sent.of(action).timeout.inc());
    cp.endpoint.on('answered', (action: string, outcome: 'result' | 'error') => this.received.of(action)[outcome].inc());
  }
}

/**
 * The text to serve: this thread's registry, plus the worker threads' series added up (prom-client's
 * aggregation: counters, histogram buckets and gauges summed label set by label set).
 */
async function exposition(registry: Registry, workers?: () => Promise<MetricFamilies[]>): Promise<string> {
  if (!workers) return registry.metrics();
  const summed = AggregatorRegistry.aggregate<typeof Registry.PROMETHEUS_CONTENT_TYPE>(await workers());
  return Registry.merge([registry, summed]).metrics();
}

/**
 * Serve a registry at `/metrics` (anything else: 404).
 * @param registry What to serve.
 * @param host Address to bind (default loopback: the counters name charge points).
 * @param port 0 picks a free port.
 * @param workers With `--workers`: asks every worker thread for its series (one list per thread).
 * @returns The server, listening; its address says the port.
 */
export async function serveMetrics(registry: Registry, host: string, port: number, workers?: () => Promise<MetricFamilies[]>): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    exposition(registry, workers).then(
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
