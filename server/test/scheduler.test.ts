/** One heap for every deadline of the process: order, cancellation, and no growth from cancelled calls. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RealScheduler, VirtualScheduler } from '../src/ocpp/scheduler';

test('callbacks run in deadline order, ties in scheduling order', async () => {
  const clock = new VirtualScheduler(0);
  const ran: string[] = [];
  clock.after(30, () => ran.push('c'));
  clock.after(10, () => ran.push('a1'));
  clock.after(10, () => ran.push('a2'));
  const cancelled = clock.after(20, () => ran.push('b'));
  clock.cancel(cancelled);
  await clock.advance(25);
  assert.deepEqual(ran, ['a1', 'a2']);
  assert.equal(clock.now(), 25);
  await clock.advance(10);
  assert.deepEqual(ran, ['a1', 'a2', 'c']);
});

test('an hour of virtual time passes in milliseconds', async () => {
  const clock = new VirtualScheduler(0);
  let ticks = 0;
  const tick = (): void => {
    ticks++;
    clock.after(60_000, tick);
  };
  clock.after(60_000, tick);
  const t0 = Date.now();
  await clock.advance(3_600_000);
  assert.equal(ticks, 60);
  assert.ok(Date.now() - t0 < 1000);
});

test('cancelled deadlines do not pile up (call timeouts cancelled by their answers)', () => {
  const clock = new VirtualScheduler(0);
  const live = clock.after(1_000_000, () => undefined);
  for (let i = 0; i < 100_000; i++) clock.cancel(clock.after(15_000 + i, () => undefined));
  assert.ok(clock.entries < 2100, `heap holds ${clock.entries} entries`);
  clock.cancel(live);
});

test('the real scheduler fires in order with a single timer', async () => {
  const clock = new RealScheduler();
  const ran: number[] = [];
  // Deadlines never keep a process alive by themselves (sockets and scripts do): hold it open here.
  const keepAlive = setTimeout(() => undefined, 5000);
  await new Promise<void>((resolve) => {
    clock.after(30, () => {
      ran.push(30);
      resolve();
    });
    clock.after(5, () => ran.push(5));
    clock.cancel(clock.after(10, () => ran.push(10)));
  });
  clearTimeout(keepAlive);
  assert.deepEqual(ran, [5, 30]);
});
