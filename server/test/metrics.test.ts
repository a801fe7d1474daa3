import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MockCsms } from '../src/csms/mock-csms';
import { parseArgs } from '../src/runtime/args';
import { startCli, until } from './helpers';
import { metricsUrl, scrape as scrapeText, value, type Family } from './prometheus';

test('--metrics-port parses; taken with --csms, refused in server mode and with --workers above 1', () => {
  const o = parseArgs(['--cps', '3', '--url', 'ws://127.0.0.1:1/', '--metrics-port', '0'], {});
  assert.equal(o.metricsPort, 0);
  assert.equal(o.metricsHost, '127.0.0.1');
  assert.equal(parseArgs(['--csms', '--metrics-port', '0'], {}).metricsPort, 0);
  assert.throws(() => parseArgs(['--metrics-port', '0'], {}), /not server mode/);
  assert.throws(() => parseArgs(['--cps', '3', '--url', 'ws://x/', '--workers', '2', '--metrics-port', '0'], {}), /--workers 1/);
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
    await until(() => fleet.err().includes('Ctrl-C'), 'the fleet summary');
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
    await until(async () => value(await scrape(), 'ocpp_sim_charge_points_boot', { status: 'Accepted' }) === 4, 'four accepted boots');
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
