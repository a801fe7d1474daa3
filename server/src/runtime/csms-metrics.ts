/**
 * `--metrics-port` with `--csms` or `--with-csms`: the mock CSMS's series, in the run's registry
 * (metrics.ts serves it): stations connected by OCPP version, calls received and sent by action
 * and outcome, conformance probe findings by probe, transactions open and finished, energy of
 * finished transactions.
 *
 * Cheap when on in the same way as the charge points' series: calls counted as plain numbers per
 * action (call-counts.ts), one set of listeners for every connection; those numbers and the
 * station and open-transaction gauges are read at scrape time. Free when off: nothing here is
 * loaded or installed.
 * @module
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ConnectedStation, MockCsms } from '../csms/mock-csms';
import { PROBES, type Finding } from '../csms/probes';
import type { TransactionRecord } from '../csms/transactions';
import type { RpcEndpoint } from '../ocpp/endpoint';
import { actionEntry } from '../ocpp/protocol';
import { CallCounts, type CallOutcome } from './call-counts';

/** The label of a received action the station's OCPP version does not define (a hostile peer must not mint series). */
const OTHER_ACTION = 'other';

/**
 * Count what `csms` sees from now on, into `registry`.
 * @param registry The run's registry.
 * @param csms The mock CSMS (stations already connected included).
 */
export function watchCsms(registry: Registry, csms: MockCsms): void {
  const registers = [registry];
  new Gauge({
    name: 'ocpp_sim_csms_stations', help: 'Stations connected to the mock CSMS, by OCPP version', labelNames: ['version'], registers,
    collect() {
      this.reset();
      const counts = new Map<string, number>();
      for (const s of csms.stations.values()) counts.set(s.version, (counts.get(s.version) ?? 0) + 1);
      for (const [version, n] of counts) this.set({ version }, n);
    },
  });
  const received = new CallCounts();
  received.exposeOutcomes(registry, 'ocpp_sim_csms_calls_received_total', 'Calls the stations sent the mock CSMS, by action and its answer (result, error); actions their OCPP version lacks count as "other"', ['result', 'error']);
  const sent = new CallCounts();
  sent.exposeOutcomes(registry, 'ocpp_sim_csms_calls_sent_total', 'Calls the mock CSMS sent the stations, by action and outcome (result, error, timeout)', ['result', 'error', 'timeout']);
  const findings = new Counter({ name: 'ocpp_sim_csms_probe_findings_total', help: 'Conformance probe findings, by probe and the OCPP version the station spoke', labelNames: ['probe', 'version'], registers });
  // Every probe at 0 from the start, so a first finding is a rise that rate() and increase() see.
  if (csms.probes) for (const probe of PROBES) for (const p of csms.protocols) findings.inc({ probe, version: p.replace(/^ocpp/, '') }, 0);
  const finished = new Counter({ name: 'ocpp_sim_csms_transactions_finished_total', help: 'Transactions the mock CSMS saw end (1.6 StopTransaction, 2.0.1 TransactionEvent Ended)', registers });
  new Gauge({
    name: 'ocpp_sim_csms_transactions_open', help: 'Transactions open at the mock CSMS now', registers,
    collect() {
      this.set(csms.transactions.open().length);
    },
  });
  const energy = new Counter({ name: 'ocpp_sim_csms_energy_received_wh_total', help: 'Energy of the transactions that ended (meterStop - meterStart), Wh', registers });

  // Shared by every connection (an emitter calls a listener with itself as `this`).
  function answered(this: RpcEndpoint, action: string, outcome: CallOutcome): void {
    received.count(actionEntry(this.protocol.actions, action) ? action : OTHER_ACTION, outcome);
  }
  const response = (action: string, _ms: number, outcome: CallOutcome): void => sent.count(action, outcome);
  const timeout = (action: string): void => sent.count(action, 'timeout');
  const count = ({ endpoint }: ConnectedStation): void => {
    endpoint.on('answered', answered);
    endpoint.on('response', response);
    endpoint.on('timeout', timeout);
  };
  for (const station of csms.stations.values()) count(station);
  csms.on('connect', count);
  csms.probes?.on('finding', (_cpId: string, f: Finding) => findings.inc({ probe: f.probe, version: f.version ?? 'unknown' }));
  csms.transactions.on('transaction', (tx: TransactionRecord, change: 'start' | 'stop') => {
    if (change !== 'stop') return;
    finished.inc();
    if (tx.energyWh > 0) energy.inc(tx.energyWh);
  });
}
