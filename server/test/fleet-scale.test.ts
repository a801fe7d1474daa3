/**
 * Splitting a fleet: `shardRange`, `connectMany` with a shard, and `--cps N --workers W --shard i/n`
 * through the CLI against the mock CSMS (one combined summary, every charge point booted).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { connectMany, shardRange } from '../src/chargepoint/connect';
import { MockCsms } from '../src/csms/mock-csms';
import { parseArgs } from '../src/runtime/args';
import { ROOT, pause } from './helpers';

test('shardRange: contiguous blocks that cover the fleet once, sizes within one, parts of parts agree', () => {
  for (const [total, n] of [[10, 3], [7, 7], [3, 5], [50_000, 8], [100, 4]] as const) {
    let next = 0;
    for (let i = 0; i < n; i++) {
      const r = shardRange(total, { index: i, count: n });
      assert.equal(r.start, next);
      assert.ok(Math.abs(r.count - total / n) < 1);
      next += r.count;
      // Worker w of W inside shard i is shard i·W+w of n·W: together exactly shard i.
      const W = 3;
      const inner = Array.from({ length: W }, (_, w) => shardRange(total, { index: i * W + w, count: n * W }));
      assert.equal(inner[0]!.start, r.start);
      assert.equal(inner.reduce((s, x) => s + x.count, 0), r.count);
    }
    assert.equal(next, total);
  }
  assert.deepEqual(shardRange(100, { index: 1, count: 4 }), { start: 25, count: 25 });
  assert.throws(() => shardRange(10, { index: 2, count: 2 }), RangeError);
});

test('--shard and --workers parse, and need --cps', () => {
  const o = parseArgs(['--cps', '100', '--url', 'ws://127.0.0.1:1/', '--shard', '3/4', '--workers', '2'], {});
  assert.deepEqual(o.shard, { index: 3, count: 4 });
  assert.equal(o.workers, 2);
  assert.throws(() => parseArgs(['--cps', '10', '--url', 'ws://x/', '--shard', '4/4'], {}), /--shard expects i\/n/);
  assert.throws(() => parseArgs(['--shard', '0/2'], {}), /add --cps N/);
});

test('connectMany with a shard runs its block with the whole fleet ids', { timeout: 10_000 }, async () => {
  const csms = new MockCsms({ port: 0 });
  await csms.listen();
  try {
    const cps = await connectMany(csms.url, 12, { shard: { index: 1, count: 3 } });
    assert.deepEqual(cps.map((cp) => cp.id), ['CP005', 'CP006', 'CP007', 'CP008']);
    await Promise.all(cps.map((cp) => cp.close()));
  } finally {
    await csms.close();
  }
});

test('--cps 20 --workers 2 --shard 1/2: one combined summary, the shard\'s 10 ids on the CSMS, clean exit on SIGINT', { timeout: 10_000 }, async () => {
  const csms = new MockCsms({ port: 0 });
  await csms.listen();
  const child = spawn(process.execPath, [path.join(ROOT, 'server/dist/src/runtime/main.js'), '--cps', '20', '--workers', '2', '--shard', '1/2', '--url', csms.url], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  try {
    for (let waited = 0; !err.includes('Ctrl-C'); waited += 50) {
      if (waited > 8000 || child.exitCode !== null) throw new Error(`no summary: ${err}`);
      await pause(50);
    }
    assert.match(err, /starting 10 charge point\(s\) against .* as CP011…CP020 \(shard 1\/2 of 20\) on 2 worker threads/);
    assert.match(err, /^10 of 10 connected on 2 worker threads; Ctrl-C to stop$/m);
    assert.equal(err.match(/connected on/g)?.length, 1);
    for (let waited = 0; csms.stations.size < 10; waited += 50) {
      if (waited > 5000) throw new Error(`${csms.stations.size} stations`);
      await pause(50);
    }
    assert.deepEqual([...csms.stations.keys()].sort(), Array.from({ length: 10 }, (_, k) => `CP0${11 + k}`));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGINT');
    assert.equal(await exited, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await csms.close();
  }
});
