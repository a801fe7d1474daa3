/**
 * `--metrics-port` and the mock CSMS: a real `--csms` process with real stations (ocpp-rpc
 * clients, 1.6 and 2.0.1) and a `--with-csms` fleet of the project's own charge points, each
 * scraped over HTTP and parsed with a Prometheus text-format parser. The counters must agree
 * with what the stations did, with the CSMS's own `--report`, and with the run's summary; the
 * Grafana dashboard in deploy/ may only name series and labels a scrape really has.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { RPCClient } from 'ocpp-rpc';
import { ROOT, scratchDir, startCli, until, waitForValue } from './helpers';
import { metricsUrl, scrape, total, value, type Family } from './prometheus';

const now = (): string => new Date().toISOString();

/** An ocpp-rpc station that accepts the CSMS's TriggerMessage. */
async function station(base: string, identity: string, protocol: 'ocpp1.6' | 'ocpp2.0.1'): Promise<RPCClient> {
  const client = new RPCClient({ endpoint: base, identity, protocols: [protocol], strictMode: false, reconnect: false } as never);
  client.handle('TriggerMessage', async () => ({ status: 'Accepted' }));
  await client.connect();
  return client;
}

test('--csms --metrics-port: stations, calls by action and outcome, findings, transactions and energy agree with what the stations did and the CSMS\'s report', { timeout: 60_000 }, async (t) => {
  const report = path.join(scratchDir(), 'findings.json');
  const csms = startCli(['--csms', '--port', '0', '--no-http', '--no-state', '--metrics-port', '0', '--report', report]);
  const clients: RPCClient[] = [];
  t.after(async () => {
    await Promise.all(clients.map((c) => c.close({ force: true })));
    await csms.stop();
  });
  const base = await waitForValue(() => /listening on (ws:\/\/\S+\/)<charge point id>/.exec(csms.out())?.[1], 'the CSMS URL', 30_000);
  const url = await waitForValue(() => metricsUrl(csms.err()), 'the metrics URL', 30_000);

  // A: a call before its boot (probe call-before-boot, refused), a boot, a transaction of 3,500 Wh, an action 1.6 lacks.
  const a = await station(base, 'CP-A', 'ocpp1.6');
  clients.push(a);
  await assert.rejects(a.call('Heartbeat', {}), (e: { rpcErrorCode?: string }) => e.rpcErrorCode === 'SecurityError');
  assert.equal(((await a.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' })) as { status: string }).status, 'Accepted');
  const started = (await a.call('StartTransaction', { connectorId: 1, idTag: 'TAG', meterStart: 1000, timestamp: now() })) as { transactionId: number };
  await a.call('StopTransaction', { transactionId: started.transactionId, meterStop: 4500, timestamp: now() });
  await assert.rejects(a.call('NoSuchAction', {}), (e: { rpcErrorCode?: string }) => e.rpcErrorCode === 'NotImplemented');
  // B: a transaction without a boot on record (probe unknown-station): the CSMS answers and asks for a boot with TriggerMessage.
  const b = await station(base, 'CP-B', 'ocpp1.6');
  clients.push(b);
  await b.call('StartTransaction', { connectorId: 1, idTag: 'TAG', meterStart: 0, timestamp: now() });
  // C: a 2.0.1 station's boot.
  const c = await station(base, 'CS-C', 'ocpp2.0.1');
  clients.push(c);
  await c.call('BootNotification', { reason: 'PowerUp', chargingStation: { model: 'M', vendorName: 'V' } });

  let m: Family[] = [];
  await until(async () => {
    m = (await scrape(url)).families;
    return value(m, 'ocpp_sim_csms_calls_sent_total', { action: 'TriggerMessage', outcome: 'result' }) === 1;
  }, 'the CSMS\'s TriggerMessage, answered', 30_000);
  assert.equal(value(m, 'ocpp_sim_csms_stations', { version: '1.6' }), 2);
  assert.equal(value(m, 'ocpp_sim_csms_stations', { version: '2.0.1' }), 1);
  const received = (action: string, outcome: string): number => value(m, 'ocpp_sim_csms_calls_received_total', { action, outcome });
  assert.equal(received('Heartbeat', 'error'), 1);
  assert.equal(received('BootNotification', 'result'), 2);
  assert.equal(received('StartTransaction', 'result'), 2);
  assert.equal(received('StopTransaction', 'result'), 1);
  assert.equal(received('other', 'error'), 1, 'an action the version lacks is "other", not a series of its own');
  assert.equal(total(m, 'ocpp_sim_csms_calls_received_total'), 7);
  assert.equal(total(m, 'ocpp_sim_csms_calls_sent_total'), 1);
  assert.equal(value(m, 'ocpp_sim_csms_transactions_open'), 1);
  assert.equal(value(m, 'ocpp_sim_csms_transactions_finished_total'), 1);
  assert.equal(value(m, 'ocpp_sim_csms_energy_received_wh_total'), 3500);
  assert.equal(value(m, 'ocpp_sim_csms_probe_findings_total', { probe: 'call-before-boot', version: '1.6' }), 1);
  assert.equal(value(m, 'ocpp_sim_csms_probe_findings_total', { probe: 'unknown-station', version: '1.6' }), 1);
  assert.ok(value(m, 'ocpp_sim_process_resident_memory_bytes') > 10_000_000, 'the process series');
  assert.equal(m.some((f) => f.name === 'ocpp_sim_charge_points'), false, 'no charge-point series without charge points');

  // The CSMS's own report, written at exit, holds the same findings probe by probe.
  assert.equal(await csms.stop(), 0, csms.err());
  const findings = Object.values(JSON.parse(fs.readFileSync(report, 'utf8')) as Record<string, { probe: string }[]>).flat();
  const byProbe = new Map<string, number>();
  for (const f of findings) byProbe.set(f.probe, (byProbe.get(f.probe) ?? 0) + 1);
  assert.ok(byProbe.size > 0);
  for (const [probe, n] of byProbe) assert.equal(total(m, 'ocpp_sim_csms_probe_findings_total', { probe }), n, probe);
  assert.equal(total(m, 'ocpp_sim_csms_probe_findings_total'), findings.length);
});

/** Metric names and `by (…)` labels a dashboard query uses. */
function dashboardNames(): { metrics: Set<string>; labels: Set<string> } {
  const dashboard = JSON.parse(fs.readFileSync(path.join(ROOT, 'deploy/base/grafana-dashboard.json'), 'utf8')) as { panels: { targets: { expr: string }[] }[] };
  const exprs = dashboard.panels.flatMap((p) => p.targets.map((x) => x.expr));
  const metrics = new Set(exprs.flatMap((e) => [...e.matchAll(/\bocpp_sim_\w+/g)].map((x) => x[0].replace(/_(bucket|sum|count)$/, ''))));
  const labels = new Set(exprs.flatMap((e) => [...e.matchAll(/\bby \(([^)]*)\)/g)].flatMap((x) => x[1]!.split(',').map((l) => l.trim()))).filter((l) => l !== 'le'));
  return { metrics, labels };
}

test('--with-csms --metrics-port: one endpoint serves the fleet and its CSMS, they agree, and the dashboard names only real series', { timeout: 60_000 }, async (t) => {
  const cps = 3;
  const cli = startCli(['--cps', String(cps), '--with-csms', '--port', '0', '--metrics-port', '0', '--s']);
  t.after(() => cli.stop());
  await until(() => cli.err().includes('Ctrl-C'), 'the fleet summary', 30_000);
  const url = metricsUrl(cli.err())!;
  let m: Family[] = [];
  await until(async () => {
    m = (await scrape(url)).families;
    return value(m, 'ocpp_sim_csms_calls_received_total', { action: 'BootNotification', outcome: 'result' }) === cps;
  }, 'every boot at the CSMS', 30_000);
  const summary = /^(\d+) of (\d+) connected/m.exec(cli.err())!;
  assert.equal(value(m, 'ocpp_sim_charge_points', { state: 'connected' }), Number(summary[1]));
  assert.equal(value(m, 'ocpp_sim_csms_stations', { version: '1.6' }), Number(summary[1]));
  // Every call the charge points had answered, the CSMS counts as received and answered alike, action by action.
  await until(async () => {
    m = (await scrape(url)).families;
    const sent = m.find((f) => f.name === 'ocpp_sim_calls_sent_total')!.metrics;
    return sent.every((s) => value(m, 'ocpp_sim_csms_calls_received_total', s.labels) === Number(s.value));
  }, 'the two sides agreeing', 30_000);
  assert.ok(total(m, 'ocpp_sim_calls_sent_total') >= cps);

  const served = new Set(m.map((f) => f.name));
  const labels = new Set(m.flatMap((f) => f.metrics.flatMap((s) => Object.keys(s.labels ?? {}))));
  const dashboard = dashboardNames();
  assert.ok([...dashboard.metrics].some((n) => n.startsWith('ocpp_sim_csms_')), 'the dashboard has CSMS panels');
  for (const name of dashboard.metrics) assert.ok(served.has(name), `dashboard: ${name} is not served`);
  for (const label of dashboard.labels) assert.ok(labels.has(label), `dashboard: no series has the label ${label}`);
  assert.equal(await cli.stop(), 0, cli.err());
});

test('a script with --with-csms --metrics-port: a charging session counted on both sides, the same energy', { timeout: 60_000 }, async (t) => {
  const script = path.join(scratchDir(), 'session.js');
  fs.writeFileSync(script, `
const cp = await connect(connect.csms.url + 'CP-M', undefined, undefined, { boot: 'auto' });
cp.plugIn(1);
if (!(await cp.startCharging(1, 'TAG-1'))) throw new Error('not authorized');
console.log('CHARGING');
await cp.sleep(3000);
cp.stopCharging(1);
await cp.sleep(120000); // held open for the scrapes; the test stops the run
`);
  const cli = startCli(['--with-csms', '--port', '0', '--metrics-port', '0', script]);
  t.after(() => cli.stop());
  const url = await waitForValue(() => metricsUrl(cli.err()), 'the metrics URL', 30_000);
  let m: Family[] = [];
  await until(async () => {
    m = (await scrape(url)).families;
    return value(m, 'ocpp_sim_transactions', { state: 'open' }) === 1 && value(m, 'ocpp_sim_csms_transactions_open') === 1;
  }, 'the transaction open on both sides', 30_000);
  await until(async () => {
    m = (await scrape(url)).families;
    return value(m, 'ocpp_sim_transactions', { state: 'finished' }) === 1 && value(m, 'ocpp_sim_csms_transactions_finished_total') === 1;
  }, 'the transaction finished on both sides', 30_000);
  assert.equal(value(m, 'ocpp_sim_transactions', { state: 'open' }), 0);
  assert.equal(value(m, 'ocpp_sim_csms_transactions_open'), 0);
  const delivered = value(m, 'ocpp_sim_energy_delivered_wh_total');
  assert.ok(delivered > 0, 'three seconds of charging delivered energy');
  assert.equal(value(m, 'ocpp_sim_csms_energy_received_wh_total'), delivered, 'the CSMS received what the charge point delivered');
  for (const action of ['Authorize', 'StartTransaction', 'StopTransaction']) {
    assert.equal(value(m, 'ocpp_sim_calls_sent_total', { action, outcome: 'result' }), 1, action);
    assert.equal(value(m, 'ocpp_sim_csms_calls_received_total', { action, outcome: 'result' }), 1, action);
  }
});
