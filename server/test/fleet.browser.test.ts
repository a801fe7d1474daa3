/**
 * The fleet grid (issue 16 item 3) in Debian's Chromium: 1,000 real charge points in the server
 * process, connected to the embedded mock CSMS, render in the grid within 2 s and keep updating
 * through bulk actions without freezing the page (the longest main-thread task and frame gap are
 * measured and printed). Also the REST side: GET /api/fleet, POST /api/fleet/bulk refusals.
 */
/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { freePort, freePortPair, startServerMode, until } from './helpers';

const COUNT = 1000;

test('fleet grid: 1,000 charge points render within 2 s and update through bulk actions without freezing', { timeout: 600_000 }, async (t) => {
  const csmsPort = await freePort();
  const server = await startServerMode(await freePortPair(), ['--with-csms', '--port', String(csmsPort), '--no-state']);
  t.after(() => server.stop());
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${server.token}` };
  const post = async (route: string, body: unknown): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${server.ui}${route}`, { method: 'POST', headers, body: JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  };
  const fleet = async (): Promise<any[]> => (await fetch(`${server.ui}/api/fleet`, { headers })).json() as Promise<any[]>;

  const ids = Array.from({ length: COUNT }, (_, i) => `FL${String(i + 1).padStart(4, '0')}`);
  const createStarted = Date.now();
  for (let i = 0; i < ids.length; i += 50) {
    // Every fourth batch of 50 is OCPP 2.0.1: a quarter of the fleet.
    const created = await Promise.all(ids.slice(i, i + 50).map((id) => post('/api/chargepoints', { id, url: `ws://127.0.0.1:${csmsPort}/`, protocol: i % 200 === 0 ? '2.0.1' : '1.6' })));
    for (const c of created) assert.equal(c.status, 201, JSON.stringify(c.body));
  }
  const connected = await post('/api/fleet/bulk', { ids, op: 'connect' });
  assert.equal(connected.status, 200);
  const failed = (connected.body.results as { ok: boolean; error?: string }[]).filter((r) => !r.ok);
  assert.deepEqual(failed, [], 'every charge point connected');
  console.log(`# ${COUNT} charge points created and connected in ${Date.now() - createStarted} ms`);
  const rows = await fleet();
  assert.equal(rows.length, COUNT);
  assert.ok(rows.every((r) => r.state === 'connected' && r.bootState === 'Accepted'));
  assert.equal((await post('/api/fleet/bulk', { ids, op: 'explode' })).status, 400);
  assert.equal((await post('/api/fleet/bulk', { ids: 'FL0001', op: 'boot' })).status, 400);
  const unknown = await post('/api/fleet/bulk', { ids: ['NOPE'], op: 'boot' });
  assert.deepEqual(unknown.body.results, [{ id: 'NOPE', ok: false, error: 'no charge point NOPE' }]);

  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox'] });
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.setDefaultTimeout(60_000);
  page.on('pageerror', (err) => console.error(`page error: ${err.message}`));
  await page.goto(`${server.ui}/?token=${encodeURIComponent(server.token!)}`);
  await until(async () => (await page.getByTestId('bridge-state').textContent())?.trim() === 'connected', 'the bridge', 60_000);
  // Let the charge-point list settle (its own per-charge-point history loads) before timing the grid.
  await page.waitForLoadState('networkidle');

  const idleGap = await page.evaluate(() => new Promise<number>((resolve) => {
    const t0 = performance.now();
    requestAnimationFrame(() => resolve(performance.now() - t0));
  }));
  console.log(`# page settled with ${COUNT} charge points (one animation frame took ${Math.round(idleGap)} ms)`);
  const clicked = Date.now();
  await page.getByTestId('nav-fleet').click();
  await page.waitForFunction((n) => document.querySelector('[data-testid="fleet-count"]')?.textContent?.startsWith(`${n} of ${n}`) && document.querySelectorAll('[data-testid="fleet-row"]').length > 0, COUNT);
  const renderMs = Date.now() - clicked;
  const domRows = await page.locator('[data-testid="fleet-row"]').count();
  console.log(`# fleet grid: ${COUNT} charge points rendered in ${renderMs} ms (${domRows} rows in the DOM)`);
  assert.ok(domRows < 100, `virtual scrolling keeps the DOM small (${domRows} rows)`);
  assert.ok(renderMs <= 2000, `the grid rendered in ${renderMs} ms (bound 2 s)`);

  // Watch the main thread while updates flow: long tasks and gaps between animation frames.
  await page.evaluate(() => {
    const w = window as unknown as { longest: number; gap: number };
    w.longest = 0;
    w.gap = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.longest = Math.max(w.longest, e.duration);
    }).observe({ entryTypes: ['longtask'] } as PerformanceObserverInit);
    let last = performance.now();
    const tick = (now: number): void => {
      w.gap = Math.max(w.gap, now - last);
      last = now;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  // Select everything shown and start a transaction on each from the grid's bulk bar.
  await page.getByTestId('fleet-select-all').check();
  await page.getByTestId('fleet-bulk-start').click();
  await until(async () => (await fleet()).filter((r) => r.statuses.some((s: { transaction: boolean }) => s.transaction)).length === COUNT, 'every charge point in a transaction', 120_000);
  await page.waitForFunction(() => document.querySelector('[data-testid="fleet-filter-status"]') !== null);
  // The grid with the Charging filter agrees with the server (1.6 connectors say Charging; a quarter
  // of the fleet is 2.0.1, whose connectors say Occupied).
  await page.getByTestId('fleet-filter-status').selectOption('Charging');
  const restCharging = async (): Promise<number> => (await fleet()).filter((r) => r.statuses.some((s: { status: string }) => s.status === 'Charging')).length;
  const gridCharging = async (): Promise<number> => Number((await page.getByTestId('fleet-count').textContent())?.split(' ')[0]);
  let last = '';
  await until(async () => {
    const [rest, grid] = [await restCharging(), await gridCharging()];
    last = `server ${rest}, grid ${grid}`;
    return rest > 0 && rest === grid;
  }, 'the grid agreeing with the server', 60_000).catch((err: Error) => {
    throw new Error(`${err.message}: ${last}`);
  });
  console.log(`# Charging filter: ${last}`);
  const firstStatus = await page.locator('[data-testid="fleet-row"] [data-testid="fleet-statuses"]').first().textContent();
  assert.match(firstStatus ?? '', /Charging/);
  // Scrolling to the end shows the last charge point (rendered on demand).
  await page.getByTestId('fleet-viewport').evaluate((el) => el.scrollTo(0, el.scrollHeight));
  await page.locator(`[data-testid="fleet-row"][data-id="${ids[COUNT - 1]}"]`).waitFor();
  // Bulk actions apply to the selected rows the filters show: all of them again for the stop.
  await page.getByTestId('fleet-filter-status').selectOption('');
  await page.getByTestId('fleet-bulk-stop').click();
  await until(async () => (await fleet()).every((r) => !r.statuses.some((s: { transaction: boolean }) => s.transaction)), 'every transaction stopped', 120_000);
  await page.getByTestId('fleet-filter-text').fill('FL000');
  await page.waitForFunction(() => document.querySelector('[data-testid="fleet-count"]')?.textContent?.startsWith('9 of'));
  const { longest, gap } = await page.evaluate(() => {
    const w = window as unknown as { longest: number; gap: number };
    return { longest: w.longest, gap: w.gap };
  });
  console.log(`# while ${COUNT} transactions started and stopped: longest main-thread task ${Math.round(longest)} ms, longest frame gap ${Math.round(gap)} ms`);
  assert.ok(Number.isFinite(longest) && Number.isFinite(gap));
});
