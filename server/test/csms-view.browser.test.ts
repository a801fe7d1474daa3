/**
 * Issue 16 items 5–6 in Debian's Chromium against the real CLI in server mode with the embedded
 * mock CSMS: the CSMS view lists the calls it sent with their answers (one given by hand on the
 * charge-point side), script errors and refused payloads land in the Errors tab once, and the
 * add form takes `connectTemplate` from the page URL; the CSMS's own frame log and events of a
 * station (paired, filterable), a transaction chart from the meter values the CSMS received, and
 * probe findings arriving live.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { openUiPage, postJson, startUiBench, waitForValue, type ServerMode } from './helpers';


/** This file's poll: the shared one with 20 s for a loaded machine. */
const eventually = <T>(fn: () => Promise<T> | T, label: string, ms = 20_000): Promise<NonNullable<T>> => waitForValue(fn, label, ms);

describe('CSMS view and Errors tab in Chromium', { timeout: 300_000 }, () => {
  let browser: Browser;
  let server: ServerMode;
  let csmsUrl: string;

  before(async () => {
    ({ server, browser, csmsUrl } = await startUiBench());
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** A page holding the access token (kept by the tab), then at `query`. */
  const open = (query: string): Promise<Page> => openUiPage(browser, server, query, { storeToken: true });

  async function connected(page: Page, cp: string): Promise<void> {
    await page.getByTestId(`connect-${cp}`).click();
    await eventually(async () => (await page.getByTestId(`state-${cp}`).textContent())?.trim() === 'connected', `${cp} connected`);
  }

  test('the add form takes connectTemplate from the page URL', async () => {
    const template = 'ws://127.0.0.1:9/from-url/{cp}';
    const page = await open(`?connectTemplate=${encodeURIComponent(template)}`);
    await eventually(async () => (await page.getByTestId('add-cp-url').inputValue()) === template, 'the template in the form');
    await page.getByTestId('add-cp-id').fill('CP077');
    assert.equal((await page.getByTestId('add-cp-final-url').textContent())?.trim(), 'ws://127.0.0.1:9/from-url/CP077');
    await page.close();
  });

  test('a script error and a refused payload appear in the Errors tab, once each', async () => {
    const page = await open(`?connectTemplate=${encodeURIComponent(csmsUrl)}&cp=CP060`);
    await connected(page, 'CP060');
    await page.getByTestId('tab-script-CP060').click();
    await page.getByTestId('script-code-CP060').fill('const x = null;\nx.notThere();');
    await page.getByTestId('script-run-CP060').click();
    await eventually(async () => page.getByTestId('script-error-CP060').textContent(), 'the error in the console');

    await page.getByTestId('action-select-CP060').selectOption('Authorize');
    await page.getByTestId('action-payload-CP060').fill('{"deliberately": "invalid"}');
    await page.getByTestId('action-send-CP060').click();
    await eventually(async () => page.getByTestId('action-error-CP060').textContent(), 'the schema refusal');

    await page.getByTestId('tab-errors-CP060').click();
    const rows = page.locator('[data-testid="error-log-CP060"] [data-testid="error-row"][data-level="error"]');
    await eventually(async () => (await rows.count()) >= 2, 'two error rows');
    const texts = await rows.allTextContents();
    assert.equal(texts.filter((t) => /script failed: .*TypeError/.test(t)).length, 1, `one script error row in ${JSON.stringify(texts)}`);
    assert.equal(texts.filter((t) => /Authorize not sent: payload refused/.test(t)).length, 1, `one refusal row in ${JSON.stringify(texts)}`);
    await page.close();
  });

  test('frame rows are marked by status with a legend, and a cut log says older frames are not shown', async () => {
    const post = (route: string, body: unknown) =>
      fetch(`${server.ui}/api${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal((await post('/chargepoints', { id: 'CP062', url: `${csmsUrl}/CP062`, connect: true })).status, 201);
    // More than the 1,000 newest frames the page loads: 520 heartbeats are 1,040 frames.
    for (let i = 0; i < 520; i++) assert.equal((await post('/chargepoints/CP062/actions/Heartbeat', { payload: {} })).status, 200);
    const page = await open('');
    await page.getByTestId('cp-tab-CP062').click();
    // The page shows the newest 800 of what it holds; at the top of what it holds, the notice.
    await page.getByTestId('frame-more-CP062').click();
    const cut = await eventually(async () => page.getByTestId('frame-cut-CP062').textContent({ timeout: 1000 }), 'the cut notice');
    assert.match(cut, /^\s*\d+ older frames not shown/);
    assert.match((await page.getByTestId('frame-legend-CP062').textContent()) ?? '', /answered.*waiting.*CALLERROR/s);
    const heartbeat = page.locator('[data-testid="frame-log-CP062"] [data-testid="frame-row"][data-action="Heartbeat"][data-type="2"]').last();
    assert.equal(await heartbeat.getAttribute('data-status'), 'ok');
    await page.close();
  });

  test('the CSMS view lists a call it sent with its answer, one waiting, and the answer given by hand on the charge-point side', async () => {
    const cpPage = await open(`?connectTemplate=${encodeURIComponent(csmsUrl)}&cp=CP061`);
    await connected(cpPage, 'CP061');
    await cpPage.getByTestId('tab-calls-CP061').click();
    await cpPage.getByTestId('manual-CP061-GetConfiguration').check();
    await eventually(async () => cpPage.getByTestId('manual-CP061-GetConfiguration').isChecked(), 'manual answers on');

    const csms = await open('');
    await csms.getByTestId('nav-csms').click();
    await csms.getByTestId('csms-station-CP061').click();
    // An automatic answer first.
    await csms.getByTestId('csms-action-select').selectOption('TriggerMessage');
    await csms.getByTestId('csms-payload').fill('{"requestedMessage": "Heartbeat"}');
    await csms.getByTestId('csms-send').click();
    const sent = (action: string) => csms.locator(`[data-testid="csms-sent-call"][data-cp="CP061"][data-action="${action}"]`);
    await eventually(async () => (await sent('TriggerMessage').getAttribute('data-answer')) === 'result', 'the TriggerMessage answer');
    assert.equal((await sent('TriggerMessage').getByTestId('csms-sent-answer').textContent())?.trim(), 'Accepted');

    // Then a call the charge point answers by hand: it waits, saying why, until answered.
    await csms.getByTestId('csms-action-select').selectOption('GetConfiguration');
    await csms.getByTestId('csms-payload').fill('{}');
    await csms.getByTestId('csms-send').click();
    await eventually(async () => (await sent('GetConfiguration').getAttribute('data-answer')) === 'waiting', 'the waiting call');
    assert.match((await sent('GetConfiguration').getByTestId('csms-sent-why').textContent()) ?? '', /waiting for the station's answer, \d+ s/);

    const pending = cpPage.locator('[data-testid="pending-row"][data-action="GetConfiguration"]');
    await pending.waitFor();
    const uniqueId = await pending.getAttribute('data-unique-id');
    await cpPage.getByTestId(`pending-payload-CP061-${uniqueId}`).fill('{"configurationKey": [], "unknownKey": ["AnsweredByHand"]}');
    await cpPage.getByTestId(`pending-answer-CP061-${uniqueId}`).click();

    await eventually(async () => (await sent('GetConfiguration').getAttribute('data-answer')) === 'result', 'the answer by hand in the CSMS view');
    // Its round trip (the CSMS cannot tell a hand-given answer from the wire, so it does not claim to).
    assert.match((await sent('GetConfiguration').getByTestId('csms-sent-rtt').textContent()) ?? '', /\d/);
    await sent('GetConfiguration').click();
    await eventually(async () => (await csms.locator('[data-testid^="csms-sent-detail-"]').textContent())?.includes('AnsweredByHand'), 'the hand-given payload');
    await cpPage.close();
    await csms.close();
  });

  /** A charge point of the embedded CSMS, created and connected over REST; resolves once booted. */
  async function station(id: string): Promise<void> {
    assert.equal((await postJson(`${server.ui}/api/chargepoints`, { id, url: `${csmsUrl}/${id}`, connect: true })).status, 201);
    await eventually(async () => ((await (await fetch(`${server.ui}/api/chargepoints/${id}`)).json()) as { bootState: string }).bootState === 'Accepted', `${id} booted`);
  }

  /** The CSMS view with one station selected (its log followed). */
  async function csmsViewOf(id: string): Promise<Page> {
    const page = await open('');
    await page.getByTestId('nav-csms').click();
    await page.getByTestId(`csms-station-${id}`).click();
    await page.getByTestId(`csms-log-${id}`).waitFor();
    return page;
  }

  test('the CSMS log of a station: its BootNotification pair, events, and filters by action and errors', async () => {
    await station('CP063');
    const page = await csmsViewOf('CP063');
    const rows = page.locator('[data-testid="frame-log-csms-CP063"] [data-testid="frame-row"]');
    const bootCall = rows.and(page.locator('[data-action="BootNotification"][data-type="2"]'));
    const bootAnswer = rows.and(page.locator('[data-action="BootNotification"][data-type="3"]'));
    await eventually(async () => (await bootCall.count()) === 1 && (await bootCall.getAttribute('data-paired')) === 'true', 'the paired BootNotification CALL');
    assert.equal(await bootCall.getAttribute('data-direction'), 'in');
    assert.equal(await bootAnswer.getAttribute('data-direction'), 'out');
    assert.equal(await bootAnswer.getAttribute('data-unique-id'), await bootCall.getAttribute('data-unique-id'));
    assert.match((await page.getByTestId('frame-legend-csms-CP063').textContent()) ?? '', /to station.*from station/s);
    const bootEvent = page.locator('[data-testid="csms-events-CP063"] [data-testid="csms-event"][data-kind="boot"]');
    await eventually(async () => (await bootEvent.count()) === 1, 'the boot event');
    assert.match((await bootEvent.textContent()) ?? '', /boot Accepted/);

    // Live: a refused call (forced past the schema) arrives while the view is open.
    assert.equal((await postJson(`${server.ui}/api/chargepoints/CP063/actions/Authorize`, { payload: { notAnIdTag: 1 }, force: true })).status, 502);
    const authorizeError = rows.and(page.locator('[data-action="Authorize"][data-type="4"]'));
    await eventually(async () => (await authorizeError.count()) === 1, 'the CALLERROR in the CSMS log');

    await page.getByTestId('filter-action-csms-CP063').selectOption('StatusNotification');
    await eventually(async () => {
      const actions = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-action')));
      return actions.length > 0 && actions.every((a) => a === 'StatusNotification');
    }, 'only StatusNotification rows');
    await page.getByTestId('filter-action-csms-CP063').selectOption('');
    await page.getByTestId('errors-only-csms-CP063').check();
    await eventually(async () => {
      const marks = await rows.evaluateAll((els) => els.map((e) => `${e.getAttribute('data-action')}/${e.getAttribute('data-status')}`));
      return marks.length === 2 && marks.every((m) => m === 'Authorize/err');
    }, 'only the failed Authorize pair');
    await page.close();
  });

  test('a probe finding appears live in the CSMS view with its severity', async () => {
    await station('CP064');
    const page = await csmsViewOf('CP064');
    await page.getByTestId('csms-findings').waitFor();
    const finding = page.locator('[data-testid="csms-finding"][data-cp="CP064"][data-probe="schema-violation"]');
    assert.equal(await finding.count(), 0);
    // OCPP-J §4.2: the CALL must match the schema; forced past the charge point's own check, the CSMS probe notices.
    assert.equal((await postJson(`${server.ui}/api/chargepoints/CP064/actions/Authorize`, { payload: {}, force: true })).status, 502);
    await eventually(async () => (await finding.count()) === 1, 'the finding in the list');
    assert.equal(await finding.getAttribute('data-severity'), 'error');
    assert.match((await finding.textContent()) ?? '', /idTag/);
    await page.close();
  });

  test('a charging session gets a chart from the meter values the CSMS received', async () => {
    await station('CP065');
    const ui = `${server.ui}/api`;
    assert.equal((await postJson(`${ui}/csms/CP065/actions/ChangeConfiguration`, { payload: { key: 'MeterValueSampleInterval', value: '1' } })).status, 200);
    assert.equal((await postJson(`${ui}/chargepoints/CP065/connectors/1/plug-in`)).status, 200);
    assert.equal((await postJson(`${ui}/chargepoints/CP065/connectors/1/start`, { idTag: 'valid_token' })).status, 200);
    type Tx = { transactionId: number; cpId: string; energyWh: number };
    const books = async () => ((await (await fetch(`${ui}/csms`)).json()) as { transactions: { open: Tx[]; finished: Tx[] } }).transactions;
    const tx = await eventually(async () => (await books()).open.find((t) => t.cpId === 'CP065'), 'the open transaction');
    const page = await csmsViewOf('CP065');
    await page.getByTestId(`csms-tx-${tx.transactionId}`).click();
    const chart = page.locator(`[data-testid="csms-tx-chart"][data-cp="CP065"][data-tx="${tx.transactionId}"]`);
    const t0 = Date.now();
    await eventually(async () => Number(await chart.getAttribute('data-points')) >= 3, 'three readings on the chart', 30_000);
    console.log(`chart: 3 readings after ${Date.now() - t0} ms`);
    // Live: readings that come while the view is open are added.
    const shown = Number(await chart.getAttribute('data-points'));
    await eventually(async () => Number(await chart.getAttribute('data-points')) > shown, 'a reading arriving live', 30_000);
    assert.ok(await chart.locator('canvas').count() >= 1, 'uPlot drew a canvas');
    assert.equal((await postJson(`${ui}/chargepoints/CP065/connectors/1/stop`, {})).status, 200);
    const done = await eventually(async () => (await books()).finished.find((t) => t.transactionId === tx.transactionId), 'the finished transaction');
    // The chart ends at StopTransaction's meterStop: its session energy is the book's meterStop − meterStart.
    await eventually(async () => Number(await chart.getAttribute('data-session-wh')) === done.energyWh, `session energy ${done.energyWh} Wh on the chart`);
    assert.ok(done.energyWh > 0);
    await page.close();
  });
});
