/**
 * The EV and the live telemetry in a real browser (issue 16 items 1–2): Debian's Chromium via
 * playwright-core against the real CLI in server mode with the embedded mock CSMS. An EV is set
 * in the card's form, a session runs, the chart's power and SoC rise while charging and stop at
 * Stop, and the session energy on the card equals StopTransaction's meterStop − meterStart from
 * the frame log. Timings are printed, not asserted (a loaded 2-core machine).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { UNWATCHED_INTERVAL_MS } from '../src/ev/telemetry';
import { openUiPage, pause, ROOT, startUiBench, until } from './helpers';

const SHOTS = path.join(ROOT, 'test-artifacts', 'ui');

test('EV and telemetry in Chromium: the chart shows power and SoC rising, stops at Stop; the card\'s session energy is meterStop − meterStart', { timeout: 180_000 }, async (t) => {
  mkdirSync(SHOTS, { recursive: true });
  const { server, browser, csmsUrl } = await startUiBench();
  t.after(async () => {
    await browser.close();
    await server.stop();
  });
  const page: Page = await openUiPage(browser, server, `?connectTemplate=${encodeURIComponent(csmsUrl)}&cp=EV001`, { height: 1000 });
  await page.getByTestId('connect-EV001').click();
  await until(async () => (await page.getByTestId('state-EV001').textContent())?.trim() === 'connected', 'connected', 20_000);
  await page.getByTestId('boot-EV001').click();
  await until(async () => !!(await page.getByTestId('connector-status-EV001-1').textContent())?.includes('Available'), 'connector 1 Available', 20_000);

  // A small battery, so the SoC visibly moves within seconds at 11 kW.
  const ev = 'connector-ev-EV001-1';
  await page.getByTestId(ev).locator('summary').click();
  await page.getByTestId(`${ev}-capacityKWh`).fill('1');
  await page.getByTestId(`${ev}-socPercent`).fill('20');
  await page.getByTestId(`${ev}-targetSocPercent`).fill('95');
  await page.getByTestId(`${ev}-apply`).click();
  await until(async () => !!(await page.getByTestId(ev).locator('summary').textContent())?.includes('1 kWh · 20 % → 95 %'), 'the EV applied', 20_000);

  const t0 = Date.now();
  await page.getByTestId('start-idtag-EV001-1').fill('TAG-EV-1');
  await page.getByTestId('start-EV001-1').click();
  await until(async () => !!(await page.getByTestId('connector-status-EV001-1').textContent())?.includes('Charging'), 'Charging', 20_000);
  const chart = page.getByTestId('connector-chart-EV001-1');
  const attr = async (name: string) => Number(await chart.getAttribute(`data-${name}`));
  await until(async () => (await attr('samples')) >= 3, 'three samples', 20_000);
  const early = { soc: await attr('last-soc'), wh: await attr('session-wh'), samples: await attr('samples') };
  await until(async () => (await attr('samples')) >= early.samples + 4, 'four more samples', 20_000);
  const later = { soc: await attr('last-soc'), wh: await attr('session-wh'), power: await attr('last-power-w'), maxPower: await attr('max-power-w') };
  console.log(`# first samples after ${Date.now() - t0} ms; SoC ${early.soc} → ${later.soc} %, session ${early.wh} → ${later.wh} Wh, power ${later.power} W`);
  assert.ok(later.soc > early.soc && early.soc >= 20, `SoC rises: ${early.soc} → ${later.soc}`);
  assert.ok(later.wh > early.wh, `session energy rises: ${early.wh} → ${later.wh}`);
  assert.ok(later.power > 10_000 && later.maxPower <= 11_000 * 1.02, `the EV's 11 kW: ${later.power} (max ${later.maxPower})`);
  assert.equal(await chart.locator('canvas').count(), 1, 'uPlot drew a canvas');
  // The card's SoC and power follow the telemetry every second, not only the summary.
  const cardSoc = parseFloat((await page.getByTestId('connector-soc-EV001-1').textContent()) ?? '');
  assert.ok(cardSoc > 20, `SoC on the card: ${cardSoc}`);
  // The card shows the session energy (moving every second), not the register.
  const cardWh = Number(await page.getByTestId('connector-session-energy-EV001-1').getAttribute('data-wh'));
  assert.ok(cardWh > 0, `session energy on the card: ${cardWh}`);
  assert.match((await page.getByTestId('connector-session-duration-EV001-1').textContent()) ?? '', /^\d+:\d\d$/);
  await page.screenshot({ path: path.join(SHOTS, 'ev-telemetry.png') });

  // Away on the CSMS view the tab does not watch EV001: the bridge sends it nothing, and the model
  // samples every 30 s only (UNWATCHED_INTERVAL_MS). Back, what the server kept meanwhile is loaded
  // and merged in time order: the chart holds every sample the server has, those taken while away included.
  const left = Date.now();
  await page.getByTestId('nav-csms').click();
  await pause(UNWATCHED_INTERVAL_MS + 2500);
  const back = Date.now();
  await page.getByTestId('nav-chargepoints').click();
  const kept = async () => ((await (await fetch(`${server.ui}/api/chargepoints/EV001/telemetry`)).json()) as { samples: Record<string, { at: number }[]> }).samples['1'] ?? [];
  assert.ok((await kept()).some((x) => x.at > left + 2000 && x.at < back), 'the server sampled while the tab was away');
  await until(async () => (await attr('samples')) === (await kept()).length, 'the chart holds every sample the server kept', 20_000);

  const beforeStop = Number(await page.getByTestId('connector-session-energy-EV001-1').getAttribute('data-wh'));
  await page.getByTestId('stop-EV001-1').click();
  const row = page.getByTestId('connector-history-EV001-1').getByTestId('session-row').first();
  await row.waitFor();
  const frames = (await (await fetch(`${server.ui}/api/chargepoints/EV001/frames`)).json()) as { text: string; messageType?: number; action?: string; direction: string }[];
  const payloadOf = (action: string) => {
    const f = frames.find((x) => x.direction === 'out' && x.messageType === 2 && x.action === action);
    assert.ok(f, `${action} in the frame log`);
    return (JSON.parse(f.text) as [number, string, string, Record<string, number>])[3];
  };
  const expected = payloadOf('StopTransaction').meterStop! - payloadOf('StartTransaction').meterStart!;
  const onCard = Number(await page.getByTestId('connector-session-energy-EV001-1').getAttribute('data-wh'));
  const inHistory = Number(await row.getAttribute('data-energy-wh'));
  console.log(`# meterStop − meterStart = ${expected} Wh; card ${onCard} Wh (last live reading ${beforeStop} Wh), history ${inHistory} Wh`);
  assert.equal(onCard, expected);
  assert.equal(inHistory, expected);
  // Within one sample: a second at ≤ 11.22 kW is ≤ 3.2 Wh (plus the click's round trip).
  assert.ok(expected - beforeStop >= 0 && expected - beforeStop <= 3.2 * 3, `live reading ${beforeStop} vs ${expected}`);

  // The chart stops at Stop: no more samples, the last one at 0 W.
  const stopped = await attr('samples');
  assert.equal(await attr('last-power-w'), 0);
  await pause(2500);
  assert.equal(await attr('samples'), stopped, 'no samples after the stop');
  await page.screenshot({ path: path.join(SHOTS, 'ev-history.png') });
  await page.close();
});
