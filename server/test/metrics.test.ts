import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MockCsms } from '../src/csms/mock-csms';
import { parseArgs } from '../src/runtime/args';
import { startCli, until } from './helpers';
import { metricsUrl, scrape as scrapeText, total, value, type Family } from './prometheus';

test('--metrics-port parses; taken with --csms and --workers, refused in server mode', () => {
  const o = parseArgs(['--cps', '3', '--url', 'ws://127.0.0.1:1/', '--metrics-port', '0'], {});
  assert.equal(o.metricsPort, 0);
  assert.equal(o.metricsHost, '127.0.0.1');
  assert.equal(parseArgs(['--csms', '--metrics-port', '0'], {}).metricsPort, 0);
  assert.throws(() => parseArgs(['--metrics-port', '0'], {}), /not server mode/);
  assert.equal(parseArgs(['--cps', '3', '--url', 'ws://x/', '--workers', '2', '--metrics-port', '0'], {}).workers, 2);
});

for (const protocol of ['1.6', '2.0.1']) {
  test(`a ${protocol} fleet scraped while running: the counters agree with its summary and with the CSMS`, { timeout: 30_000 }, async (t) => {
    const csms = new MockCsms({ port: 0 });
    await csms.listen();
    const fleet = startCli(['--protocol', protocol, '--cps', '4', '--url', csms.url, '--metrics-port', '0']);
    t.after(async () => {
      await fleet.stop();
      await csms.close();
    });
    await until(() => fleet.err().includes('Ctrl-C'), 'the fleet summary', 30_000);
    const summary = /^(\d+) of (\d+) connected/m.exec(fleet.err());
    assert.ok(summary, fleet.err());
    const url = metricsUrl(fleet.err());
    assert.ok(url, fleet.err());
    let families: Family[] = [];
    let text = '';
    const scrape = async (): Promise<Family[]> => {
      ({ families, text } = await scrapeText(url));
      return families;
    };
    // The summary line comes once every socket is open; the boots' answers may still be on the way.
    await until(async () => value(await scrape(), 'ocpp_sim_charge_points_boot', { status: 'Accepted' }) === 4, 'four accepted boots', 30_000);
    assert.equal(value(families, 'ocpp_sim_charge_points', { state: 'connected' }), Number(summary[1]));
    assert.equal(value(families, 'ocpp_sim_charge_points', { state: 'disconnected' }), Number(summary[2]) - Number(summary[1]));
    assert.equal(value(families, 'ocpp_sim_calls_sent_total', { action: 'BootNotification', outcome: 'result' }), 4);
    // parse-prometheus-text-format 1.1.1 keeps only the last series of a labelled histogram, so
    // the per-action count is read from the exposition line itself; the parser checks the family's type.
    assert.equal(families.find((f) => f.name === 'ocpp_sim_call_round_trip_seconds')?.type, 'HISTOGRAM');
    assert.match(text, /^ocpp_sim_call_round_trip_seconds_count\{action="BootNotification"\} 4$/m);
    assert.equal(value(families, 'ocpp_sim_reconnects_total'), 0);
    assert.equal(value(families, 'ocpp_sim_transactions', { state: 'finished' }), 0);
    assert.ok(families.some((f) => f.name === 'ocpp_sim_calls_pending'));
    assert.ok(value(families, 'ocpp_sim_process_resident_memory_bytes') > 10_000_000, 'the process metrics');
    assert.equal(csms.stations.size, 4);
    assert.equal((await fetch(url.replace('/metrics', '/other'))).status, 404);
    assert.equal(await fleet.stop(), 0);
  });
}

test('--workers 2 --metrics-port: the main thread serves the threads\' counts added up, equal to the run\'s summary and its CSMS', { timeout: 60_000 }, async (t) => {
  const cps = 6;
  const fleet = startCli(['--cps', String(cps), '--workers', '2', '--with-csms', '--port', '0', '--metrics-port', '0', '--s']);
  t.after(() => fleet.stop());
  await until(() => fleet.err().includes('Ctrl-C'), 'the fleet summary', 30_000);
  const summary = /^(\d+) of (\d+) connected on 2 worker threads/m.exec(fleet.err());
  assert.ok(summary, fleet.err());
  const url = metricsUrl(fleet.err())!;
  let m: Family[] = [];
  let text = '';
  // Quiet: every boot answered and two scrapes in a row count the same calls on both sides.
  let last = -1;
  await until(async () => {
    ({ families: m, text } = await scrapeText(url));
    const sent = total(m, 'ocpp_sim_calls_sent_total');
    const quiet = value(m, 'ocpp_sim_charge_points_boot', { status: 'Accepted' }) === cps && sent === last && sent === total(m, 'ocpp_sim_csms_calls_received_total');
    last = sent;
    return quiet;
  }, 'a booted, quiet fleet', 30_000);
  assert.equal(value(m, 'ocpp_sim_charge_points', { state: 'connected' }), Number(summary[1]));
  assert.equal(value(m, 'ocpp_sim_charge_points', { state: 'disconnected' }), Number(summary[2]) - Number(summary[1]));
  assert.equal(value(m, 'ocpp_sim_calls_sent_total', { action: 'BootNotification', outcome: 'result' }), cps);
  assert.match(text, new RegExp(`^ocpp_sim_call_round_trip_seconds_count\\{action="BootNotification"\\} ${cps}$`, 'm'), 'the threads\' histograms added up');
  for (const s of m.find((f) => f.name === 'ocpp_sim_calls_sent_total')!.metrics) {
    assert.equal(value(m, 'ocpp_sim_csms_calls_received_total', s.labels), Number(s.value), JSON.stringify(s.labels));
  }
  assert.equal(value(m, 'ocpp_sim_csms_stations', { version: '1.6' }), cps);
  // The process's series once (the main thread's), not once per thread.
  assert.equal(m.find((f) => f.name === 'ocpp_sim_process_resident_memory_bytes')?.metrics.length, 1);
  assert.equal(await fleet.stop(), 0, fleet.err());
  assert.match(fleet.err(), new RegExp(`^stopped ${summary[2]} charge point\\(s\\); no handler failed$`, 'm'));
});
