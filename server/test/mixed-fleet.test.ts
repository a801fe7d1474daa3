/**
 * Mixed fleets (`--cps N --protocol 1.6:70,2.0.1:30`): the pattern behind them, and real fleets of
 * both versions against the mock CSMS, split by --shard and --workers, counted per version.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { mixPattern, parseVersionMix } from '../src/chargepoint/fleet-mix';
import type { RunReport } from '../src/runtime/run-report';
import { runCli, scratchDir, startCli, until } from './helpers';
import { statusCsms } from './status-csms';
import { junitSchemaErrors, suiteCounts } from './junit-xml';

const read = (file: string): RunReport => JSON.parse(fs.readFileSync(file, 'utf8')) as RunReport;

test('a version mix is read as shares and spread evenly: each share its weight per period', () => {
  assert.deepEqual(parseVersionMix('1.6,2.0.1'), [{ protocol: 'ocpp1.6', weight: 1 }, { protocol: 'ocpp2.0.1', weight: 1 }]);
  assert.deepEqual(parseVersionMix('ocpp2.0.1:30,1.6:70'), [{ protocol: 'ocpp2.0.1', weight: 30 }, { protocol: 'ocpp1.6', weight: 70 }]);
  assert.deepEqual(mixPattern([1, 1]), [0, 1]);
  assert.deepEqual(mixPattern([70, 30]), [0, 1, 0, 0, 0, 1, 0, 0, 1, 0]);
  assert.deepEqual(mixPattern([1, 2]), [1, 0, 1]);
  const big = mixPattern([97, 3]);
  assert.equal(big.length, 100);
  assert.equal(big.filter((s) => s === 1).length, 3);
  assert.throws(() => parseVersionMix('1.6:0,2.0.1'), /whole weights from 1/);
  assert.throws(() => parseVersionMix('1.6,1.6'), /each version once/);
  assert.throws(() => parseVersionMix('1.6,3.0'), /unknown OCPP version "3.0"/);
  assert.throws(() => parseVersionMix('1.6:9999,2.0.1:9998'), /add up to 10000 at most/);
});

test('a mix is for --cps, without --profile; a bad one is a usage error', async () => {
  const cases: [string[], RegExp][] = [
    [['--protocol', '1.6,2.0.1', '--stdin'], /a version mix \(--protocol 1\.6,2\.0\.1\) is for a --cps fleet/],
    [['--cps', '2', '--with-csms', '--protocol', '1.6,2.0.1', '--profile', 'p.json'], /--profile is version-specific/],
    [['--cps', '2', '--with-csms', '--protocol', '1.6:x,2.0.1'], /whole weights from 1 to 10000.*got "1\.6:x"/],
  ];
  for (const [args, why] of cases) {
    const run = await runCli(args, { input: '' });
    assert.equal(run.code, 2, args.join(' '));
    assert.match(run.stderr, why);
  }
});

test('--cps 10 --protocol 1.6:70,2.0.1:30 in two shards (one on two worker threads): each id keeps its version, the parts add up to 7 + 3', { timeout: 60_000 }, async (t) => {
  const dir = scratchDir();
  // The version each station negotiated with the CSMS, once its boot is on record.
  const { csms, statused: seen } = await statusCsms(t);
  const files = [0, 1].map((i) => path.join(dir, `shard-${i}.json`));
  const junit = path.join(dir, 'shard-1.xml');
  const mix = ['--cps', '10', '--protocol', '1.6:70,2.0.1:30', '--url', csms.url];
  const shards = [
    startCli([...mix, '--shard', '0/2', '--workers', '1', '--report', files[0]!]),
    startCli([...mix, '--shard', '1/2', '--workers', '2', '--report', files[1]!, '--junit', junit]),
  ];
  t.after(() => Promise.all(shards.map((s) => s.stop())));
  for (const shard of shards) await until(() => shard.err().includes('Ctrl-C'), 'a shard connected', 20_000);
  await until(() => seen.size === 10, 'a StatusNotification from each of the ten', 20_000);
  // Pattern 0 1 0 0 0 1 0 0 1 0: CP002, CP006 and CP009 are the 2.0.1 stations, whichever process or thread runs them.
  const expected = ['CP001', 'CP002', 'CP003', 'CP004', 'CP005', 'CP006', 'CP007', 'CP008', 'CP009', 'CP010'].map((id) => [id, ['CP002', 'CP006', 'CP009'].includes(id) ? 'ocpp2.0.1' : 'ocpp1.6']);
  assert.deepEqual([...seen].sort(), expected);
  assert.match(shards[0]!.err(), /starting 5 charge point\(s\) .*versions ocpp1\.6:70,ocpp2\.0\.1:30/);
  assert.match(shards[0]!.err(), /5 of 5 connected \(ocpp1\.6: 4 of 4, ocpp2\.0\.1: 1 of 1\); Ctrl-C/);
  assert.match(shards[1]!.err(), /5 of 5 connected \(ocpp1\.6: 3 of 3, ocpp2\.0\.1: 2 of 2\) on 2 worker threads; Ctrl-C/);
  assert.deepEqual(await Promise.all(shards.map((s) => s.stop())), [0, 0]);

  const [first, second] = files.map(read);
  assert.deepEqual(first!.byProtocol, { 'ocpp1.6': { chargePoints: 4, connected: 4, failures: 0 }, 'ocpp2.0.1': { chargePoints: 1, connected: 1, failures: 0 } });
  assert.deepEqual(second!.byProtocol, { 'ocpp1.6': { chargePoints: 3, connected: 3, failures: 0 }, 'ocpp2.0.1': { chargePoints: 2, connected: 2, failures: 0 } });
  for (const cp of [...first!.chargePoints, ...second!.chargePoints]) {
    assert.equal(cp.protocol, new Map(expected as [string, string][]).get(cp.id), cp.id);
    assert.equal(cp.calls.BootNotification?.result, 1, `${cp.id} booted once`);
  }
  const merged = path.join(dir, 'merged.json');
  const run = await runCli(['report', 'merge', ...files, '-o', merged]);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(read(merged).byProtocol, { 'ocpp1.6': { chargePoints: 7, connected: 7, failures: 0 }, 'ocpp2.0.1': { chargePoints: 3, connected: 3, failures: 0 } });

  const xml = fs.readFileSync(junit, 'utf8');
  assert.deepEqual(await junitSchemaErrors(xml), [], xml);
  assert.deepEqual(suiteCounts(xml), { tests: 5, failures: 0, errors: 0 });
  assert.match(xml, /<property name="ocpp2\.0\.1" value="2 charge points, 2 connected, 0 failed handlers"\/>/);
});

test('--cps 4 --protocol 1.6,2.0.1 --with-csms: the embedded mock CSMS serves both, alternating, and the report counts them', { timeout: 60_000 }, async (t) => {
  const dir = scratchDir();
  const report = path.join(dir, 'mixed.json');
  const fleet = startCli(['--cps', '4', '--protocol', '1.6,2.0.1', '--with-csms', '--port', '0', '--report', report]);
  t.after(() => fleet.stop());
  await until(() => fleet.err().includes('Ctrl-C'), 'the fleet connected', 20_000);
  assert.match(fleet.err(), /4 of 4 connected \(ocpp1\.6: 2 of 2, ocpp2\.0\.1: 2 of 2\)/);
  assert.equal(await fleet.stop(), 0, fleet.out());
  const r = read(report);
  assert.deepEqual(r.chargePoints.map((cp) => [cp.id, cp.protocol, cp.connected]), [
    ['CP001', 'ocpp1.6', true],
    ['CP002', 'ocpp2.0.1', true],
    ['CP003', 'ocpp1.6', true],
    ['CP004', 'ocpp2.0.1', true],
  ]);
  assert.deepEqual(r.byProtocol, { 'ocpp1.6': { chargePoints: 2, connected: 2, failures: 0 }, 'ocpp2.0.1': { chargePoints: 2, connected: 2, failures: 0 } });
  assert.deepEqual(r.csmsFindings, {}, 'no protocol rule broken by either version');
});
