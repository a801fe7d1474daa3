import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { RunReport } from '../src/runtime/run-report';
import { runCli, scratchDir, startCli, until } from './helpers';
import { statusCsms } from './status-csms';
import { junitSchemaErrors, suiteCounts, testCases } from './junit-xml';

const read = (file: string): RunReport => JSON.parse(fs.readFileSync(file, 'utf8')) as RunReport;

test('--report of three --cps shards, merged by `report merge`, equals the sum of its parts', { timeout: 60_000 }, async (t) => {
  const dir = scratchDir();
  const { csms, statused } = await statusCsms(t);
  const files = [0, 1, 2].map((i) => path.join(dir, `shard-${i}.json`));
  const shards = files.map((file, i) => startCli(['--cps', '9', '--shard', `${i}/3`, '--url', csms.url, '--report', file]));
  t.after(() => Promise.all(shards.map((s) => s.stop())));
  for (const shard of shards) await until(() => shard.err().includes('Ctrl-C'), 'a shard connected');
  await until(() => statused.size === 9, 'a StatusNotification from each of the nine');
  assert.deepEqual(await Promise.all(shards.map((s) => s.stop())), [0, 0, 0]);
  const parts = files.map(read);
  assert.deepEqual(parts.map((p) => p.chargePoints.length), [3, 3, 3]);
  for (const part of parts) for (const cp of part.chargePoints) assert.equal(cp.calls.BootNotification?.result, 1, `${cp.id} booted once`);

  const merged = path.join(dir, 'merged.json');
  const run = await runCli(['report', 'merge', ...files, '-o', merged]);
  assert.equal(run.code, 0, run.stderr);
  const sum = read(merged);
  assert.deepEqual(sum.chargePoints.map((cp) => cp.id), Array.from({ length: 9 }, (_, k) => `CP00${k + 1}`));
  assert.deepEqual(sum.rttBucketsMs, parts[0]!.rttBucketsMs.map((_, i) => parts.reduce((n, p) => n + p.rttBucketsMs[i]!, 0)));
  for (const [action, c] of Object.entries(sum.calls)) {
    for (const outcome of ['result', 'error', 'timeout'] as const) {
      assert.equal(c[outcome], parts.reduce((n, p) => n + (p.calls[action]?.[outcome] ?? 0), 0), `${action} ${outcome}`);
    }
  }
  assert.equal(sum.calls.BootNotification?.result, 9);
  assert.equal(sum.failures, 0);
  assert.ok(sum.latencyMs.p50 !== null && sum.latencyMs.p99 !== null && sum.latencyMs.p50 <= sum.latencyMs.p99);

  const bad = await runCli(['report', 'merge', path.join(dir, 'missing.json'), '-o', merged]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /missing\.json/);
});

test('--report and --junit of a --cps shard on two worker threads hold every worker\'s charge points', { timeout: 60_000 }, async (t) => {
  const dir = scratchDir();
  const { csms, statused } = await statusCsms(t);
  const report = path.join(dir, 'report.json');
  const junit = path.join(dir, 'junit.xml');
  const fleet = startCli(['--cps', '12', '--shard', '1/2', '--workers', '2', '--url', csms.url, '--report', report, '--junit', junit]);
  t.after(() => fleet.stop());
  await until(() => fleet.err().includes('Ctrl-C'), 'the fleet connected');
  assert.match(fleet.err(), /6 of 6 connected on 2 worker threads/);
  await until(() => statused.size === 6, 'a StatusNotification from each of the six');
  assert.equal(await fleet.stop(), 0, fleet.out());

  const ids = ['CP007', 'CP008', 'CP009', 'CP010', 'CP011', 'CP012'];
  const r = read(report);
  assert.deepEqual(r.chargePoints.map((cp) => cp.id), ids);
  for (const cp of r.chargePoints) {
    assert.equal(cp.connected, true, `${cp.id} was connected when the fleet was stopped`);
    assert.equal(cp.calls.BootNotification?.result, 1, `${cp.id} booted once`);
    assert.equal(cp.protocol, 'ocpp1.6');
  }
  assert.equal(r.calls.BootNotification?.result, 6);
  assert.equal(r.rttBucketsMs.reduce((a, b) => a + b, 0), Object.values(r.calls).reduce((n, c) => n + c.result + c.error, 0), 'every answered call timed once');

  const xml = fs.readFileSync(junit, 'utf8');
  assert.deepEqual(await junitSchemaErrors(xml), [], xml);
  assert.deepEqual(suiteCounts(xml), { tests: 6, failures: 0, errors: 0 });
  assert.deepEqual(testCases(xml).map((c) => c.name), ids);
  assert.match(xml, /<testsuite name="ocpp-sim --cps 12 --shard 1\/2"/);
});
