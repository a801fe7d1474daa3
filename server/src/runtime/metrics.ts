/**
 * `--metrics-port N`: Prometheus metrics of a run, served as text format at `http://HOST:N/metrics`
 * by prom-client: a script's or `--cps` fleet's charge points (here), the mock CSMS's stations
 * (csms-metrics.ts), and the process itself, in one registry.
 *
 * Cheap when on: calls are counted as plain numbers per action (call-counts.ts), so a call costs
 * a map lookup and an increment, no allocation; prom-client reads them, and computes the gauges
 * (connection and boot state, queue lengths), only when Prometheus scrapes. Free when off:
 * nothing is installed, and the endpoint's `answered`/`timeout` events are emitted only when
 * someone listens.
 *
 * With `--workers W` (W > 1) each worker thread counts its own stations in a registry of its own
 * and sends it as JSON when the main thread is scraped (workers.ts); the main thread serves the
 * sum ({@link serveMetrics}), next to its own process and CSMS series.
 * @module
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AggregatorRegistry, Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { AnyStation } from '../chargepoint/connect';
import { CallCounts, type CallOutcome } from './call-counts';

/** A registry's series as plain data (`registry.getMetricsAsJSON()`): what a worker thread sends. */
export type MetricFamilies = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

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
  /** The calls the charge points sent: outcomes and round trips. */
  private readonly sent = new CallCounts();
  /** The CSMS's calls they answered. */
  private readonly received = new CallCounts();
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
    this.sent.exposeOutcomes(registry, 'ocpp_sim_calls_sent_total', 'Calls the charge points sent, by action and outcome (result, error, timeout)', ['result', 'error', 'timeout']);
    this.sent.exposeRoundTrips(registry, 'ocpp_sim_call_round_trip_seconds', 'From sending a call to its answer, by action');
    this.received.exposeOutcomes(registry, 'ocpp_sim_calls_received_total', 'Calls the charge points received from the CSMS and answered, by action and answer (result, error)', ['result', 'error']);
    this.reconnects = new Counter({ name: 'ocpp_sim_reconnects_total', help: 'Connections opened after a charge point\'s first', registers });
    const transactions = new Gauge({ name: 'ocpp_sim_transactions', help: 'Transactions open now and finished so far', labelNames: ['state'], registers });
    this.txOpen = transactions.labels('open');
    this.txFinished = transactions.labels('finished');
    this.energy = new Counter({ name: 'ocpp_sim_energy_delivered_wh_total', help: 'Energy of ended sessions (meterStop - meterStart), Wh', registers });
  }

  /** Count a station's events from now on (the run's `observe` hook calls this). @param cp The station. */
  watch(cp: AnyStation): void {
    this.live.add(cp);
    const h = this.handlers;
    cp.on('open', h.open);
    cp.on('boot', h.boot);
    cp.on('transaction', h.transaction);
    cp.on('session', h.session);
    cp.endpoint.on('response', h.response);
    cp.endpoint.on('timeout', h.timeout);
    cp.endpoint.on('answered', h.answered);
  }

  /**
   * The listeners, shared by every charge point (no closures per charge point: a fleet of
   * 20,000 would hold 140,000). An emitter calls a listener with itself as `this`.
   */
  private readonly handlers = ((m: this) => ({
    open(this: AnyStation): void {
      if (m.opened.has(this)) m.reconnects.inc();
      else m.opened.add(this);
    },
    boot(this: AnyStation, status: string): void {
      m.boot.set(this, status);
    },
    transaction(t: { type: string }): void {
      if (t.type === 'start') m.txOpen.inc();
      else if (t.type === 'stop') {
        m.txOpen.dec();
        m.txFinished.inc();
      }
    },
    session(record: { energyWh: number }): void {
      if (record.energyWh > 0) m.energy.inc(record.energyWh);
    },
    response(action: string, ms: number, outcome: CallOutcome): void {
      m.sent.count(action, outcome);
      m.sent.roundTrip(action, ms);
    },
    timeout(action: string): void {
      m.sent.count(action, 'timeout');
    },
    answered(action: string, outcome: CallOutcome): void {
      m.received.count(action, outcome);
    },
  }))(this);
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
