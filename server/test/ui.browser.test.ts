/**
 * The web UI in a real browser: Debian's Chromium (/usr/bin/chromium, headless) driven by
 * playwright-core, against the real CLI in server mode with the embedded mock CSMS. Screenshots
 * of the main views go to test-artifacts/ui/.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import WebSocket from 'ws';
import { freePortPair, openUiPage, ROOT, startServerMode, startUiBench, waitForValue, type ServerMode } from './helpers';

const SHOTS = path.join(ROOT, 'test-artifacts', 'ui');


const row = (cp: string, action: string, type: 2 | 3 | 4, extra = '') =>
  `[data-testid="frame-log-${cp}"] [data-testid="frame-row"][data-action="${action}"][data-type="${type}"]${extra}`;

async function api(ui: string, method: string, route: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${ui}${route}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

describe('web UI in Chromium', { timeout: 300_000 }, () => {
  let browser: Browser;
  let server: ServerMode;
  let csmsUrl: string;

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    ({ server, browser, csmsUrl } = await startUiBench());
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  // A missing element fails the test in 15 s instead of holding the run.
  const open = (query: string): Promise<Page> => openUiPage(browser, server, query, { timeoutMs: 15_000 });

  test('connectTemplate and cp prefill a charge point; connect, boot, start and stop from the connector board; the frames appear paired', async () => {
    const page = await open(`?connectTemplate=${encodeURIComponent(csmsUrl)}&cp=CP001`);
    await page.getByTestId('connect-CP001').click();
    await waitForValue(async () => (await page.getByTestId('state-CP001').textContent())?.includes('connected') && !(await page.getByTestId('state-CP001').textContent())?.includes('dis'), 'connected');
    await page.getByTestId('boot-CP001').click();
    await page.locator(row('CP001', 'BootNotification', 2, '[data-paired="true"]')).first().waitFor();
    await waitForValue(async () => (await page.getByTestId('connector-status-CP001-1').textContent())?.includes('Available'), 'connector 1 Available');

    await page.getByTestId('start-idtag-CP001-1').fill('TAG-UI-1');
    await page.getByTestId('start-CP001-1').click();
    await page.locator(row('CP001', 'StartTransaction', 2, '[data-paired="true"]')).first().waitFor();
    await waitForValue(async () => (await page.getByTestId('connector-status-CP001-1').textContent())?.includes('Charging'), 'Charging');
    await page.screenshot({ path: path.join(SHOTS, 'dashboard.png') });

    // The CALL and its CALLRESULT share a unique id, and the answer is shown with its round trip.
    const call = page.locator(row('CP001', 'StartTransaction', 2)).first();
    const id = await call.getAttribute('data-unique-id');
    assert.ok(id);
    assert.equal(await call.getAttribute('data-direction'), 'out');
    const result = page.locator(`[data-testid="frame-log-CP001"] [data-testid="frame-row"][data-type="3"][data-unique-id="${id}"]`);
    assert.equal(await result.count(), 1, 'exactly one CALLRESULT for the StartTransaction');
    assert.equal(await result.getAttribute('data-direction'), 'in');
    assert.match((await call.textContent()) ?? '', /\d+(\.\d+)?\s*ms/, 'round-trip time shown on the paired CALL');

    await page.getByTestId('stop-CP001-1').click();
    await page.locator(row('CP001', 'StopTransaction', 2, '[data-paired="true"]')).first().waitFor();
    await waitForValue(async () => /Finishing|Available/.test((await page.getByTestId('connector-status-CP001-1').textContent()) ?? ''), 'Finishing');
    await page.screenshot({ path: path.join(SHOTS, 'frame-log.png'), fullPage: true });

    // Every CALL the charge point sent got its answer in the log.
    const unpaired = await page.locator(`[data-testid="frame-log-CP001"] [data-testid="frame-row"][data-type="2"][data-direction="out"]:not([data-paired="true"])`).count();
    assert.equal(unpaired, 0, 'every outgoing CALL is paired');
    await page.close();
  });

  test('the action panel sends a prefilled action, refuses an invalid payload with the schema error, and sends it anyway on request', async () => {
    const page = await open(`?connectTemplate=${encodeURIComponent(csmsUrl)}&cp=CP010`);
    await page.getByTestId('connect-CP010').click();
    await waitForValue(async () => (await page.getByTestId('state-CP010').textContent())?.trim() === 'connected', 'connected');
    await page.getByTestId('action-select-CP010').selectOption('DataTransfer');
    await waitForValue(async () => (await page.getByTestId('action-payload-CP010').inputValue()).includes('vendorId'), 'the prefilled DataTransfer payload');
    await page.getByTestId('action-send-CP010').click();
    await waitForValue(async () => (await page.getByTestId('action-result-CP010').textContent())?.includes('Accepted'), 'the DataTransfer answer');
    await page.locator(row('CP010', 'DataTransfer', 2, '[data-paired="true"]')).first().waitFor();

    // Not repairable: dropping the unknown property (the outbound repair) still leaves idTag missing.
    await page.getByTestId('action-select-CP010').selectOption('Authorize');
    await page.getByTestId('action-payload-CP010').fill('{"deliberately": "invalid"}');
    await page.getByTestId('action-send-CP010').click();
    const error = await waitForValue(async () => page.getByTestId('action-error-CP010').textContent(), 'the schema error');
    assert.match(error, /idTag|deliberately|additional|required/i);
    assert.equal(await page.locator(row('CP010', 'Authorize', 2)).count(), 0, 'nothing was sent');
    await page.getByTestId('action-force-CP010').click();
    await page.locator(row('CP010', 'Authorize', 2)).first().waitFor();
    assert.match((await page.locator(row('CP010', 'Authorize', 2)).first().textContent()) ?? '', /deliberately/);
    // The strict mock CSMS answers the invalid CALL with a CALLERROR.
    await page.locator(row('CP010', 'Authorize', 4)).first().waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'action-panel.png') });
    await page.close();
  });

  test('without the token the script console says where to get it, and the server refuses the script', async () => {
    const page = await open(`?connectTemplate=${encodeURIComponent(csmsUrl)}&cp=CP019`);
    await page.getByTestId('connect-CP019').click();
    await page.getByTestId('tab-script-CP019').click();
    assert.match((await page.getByTestId('script-token-CP019').textContent()) ?? '', /need the access token: open this page with the URL ocpp-sim printed at start/);
    await page.getByTestId('script-code-CP019').fill('return 1');
    await page.getByTestId('script-run-CP019').click();
    assert.match(await waitForValue(async () => page.getByTestId('script-error-CP019').textContent(), 'the refusal'), /running scripts needs the token/);
    await page.close();
  });

  test('the script console runs a script against the live charge point and shows output and errors with the line', async () => {
    // Opened once with the printed URL, the tab keeps the token for the pages it opens next.
    const page = await open(`?token=${server.token}`);
    await page.goto(`${server.ui}/?connectTemplate=${encodeURIComponent(csmsUrl)}&cp=CP020`);
    await page.getByTestId('bridge-state').waitFor();
    await page.getByTestId('connect-CP020').click();
    await waitForValue(async () => (await page.getByTestId('state-CP020').textContent())?.trim() === 'connected', 'connected');
    await page.getByTestId('tab-script-CP020').click();
    await page.getByTestId('script-code-CP020').fill("cp.log('hello from the console');\nconst r = await cp.sendHeartbeat();\nconsole.log('heartbeat answered', typeof r.currentTime);");
    assert.equal(await page.getByTestId('script-token-CP020').count(), 0, 'no token hint');
    await page.getByTestId('script-run-CP020').click();
    await waitForValue(async () => {
      const text = (await page.getByTestId('script-output-CP020').textContent()) ?? '';
      return text.includes('hello from the console') && text.includes('heartbeat answered string');
    }, 'the script output');
    await page.locator(row('CP020', 'Heartbeat', 2, '[data-paired="true"]')).first().waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'script-console.png') });

    await page.getByTestId('script-code-CP020').fill('const x = 1;\nx.notAFunction();');
    await page.getByTestId('script-run-CP020').click();
    const error = await waitForValue(async () => page.getByTestId('script-error-CP020').textContent(), 'the script error');
    assert.match(error, /console\.js:2:\d+/);
    assert.match(error, /notAFunction/);

    await page.getByTestId('tab-config-CP020').click();
    await page.getByTestId('config-table-CP020').waitFor();
    assert.match((await page.getByTestId('config-table-CP020').textContent()) ?? '', /HeartbeatInterval/);
    await page.screenshot({ path: path.join(SHOTS, 'configuration.png') });
    await page.close();
  });

  test('two tabs each receive every frame exactly once', async () => {
    const created = await api(server.ui, 'POST', '/api/chargepoints', { id: 'CP030', url: `${csmsUrl}/CP030`, connect: true });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await waitForValue(async () => (await api(server.ui, 'GET', '/api/chargepoints/CP030')).body?.state === 'connected', 'CP030 connected');
    const [a, b] = [await open(''), await open('')];
    for (const page of [a, b]) await page.getByTestId('cp-tab-CP030').click();
    for (let i = 0; i < 5; i++) {
      const sent = await api(server.ui, 'POST', '/api/chargepoints/CP030/actions/Heartbeat', { payload: {} });
      assert.equal(sent.status, 200, JSON.stringify(sent.body));
    }
    const frames = (await api(server.ui, 'GET', '/api/chargepoints/CP030/frames')).body as { seq: number }[];
    const expected = frames.map((f) => f.seq);
    for (const page of [a, b]) {
      const seqs = await waitForValue(async () => {
        const s = await page.locator('[data-testid="frame-log-CP030"] [data-testid="frame-row"]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-seq'))));
        return s.length >= expected.length ? s : undefined;
      }, 'all frames in the tab');
      assert.equal(new Set(seqs).size, seqs.length, 'no frame shown twice');
      assert.deepEqual([...seqs].sort((x, y) => x - y), expected, 'every frame shown');
    }
    await a.close();
    await b.close();
  });

  test('the mock CSMS view lists the connected charge points', async () => {
    const page = await open('');
    await page.getByTestId('nav-csms').click();
    await waitForValue(async () => (await page.getByTestId('csms-stations').textContent())?.includes('CP001'), 'CP001 in the CSMS view');
    // The operator's remote start and stop, by clicking: the transaction shows in the CSMS's book.
    await page.getByTestId('csms-station-CP030').click();
    await page.getByTestId('csms-quick').getByText('Remote start').click();
    await page.getByTestId('csms-send').click();
    await waitForValue(async () => (await page.getByTestId('csms-result').textContent())?.includes('Accepted'), 'RemoteStartTransaction accepted');
    const stop = page.locator('[data-testid^="csms-tx-stop-"]');
    await waitForValue(async () => (await stop.count()) === 1, 'the open transaction in the CSMS view');
    await page.screenshot({ path: path.join(SHOTS, 'csms-view.png') });
    await stop.click();
    await waitForValue(async () => (await stop.count()) === 0, 'the transaction stopped');
    assert.match((await page.getByTestId('csms-transactions').textContent()) ?? '', /finished/);
    assert.equal(await page.getByTestId('docs-link').getAttribute('href'), '/docs');
    await page.close();
  });

  test('an OCPP 2.0.1 station: added with the protocol choice, connected, a transaction started and stopped on its EVSE, its device model edited', async () => {
    const page = await open('');
    await page.getByTestId('add-cp-id').fill('CS201');
    await page.getByTestId('add-cp-url').fill(`${csmsUrl}/{cp}`);
    await page.getByTestId('add-cp-protocol').selectOption('ocpp2.0.1');
    await page.getByTestId('add-cp-submit').click();
    await page.getByTestId('connect-CS201').click();
    await waitForValue(async () => (await page.getByTestId('boot-state-CS201').textContent())?.includes('Accepted'), 'BootNotification accepted');
    assert.equal((await page.getByTestId('protocol-CS201').textContent())?.trim(), 'ocpp2.0.1');
    await waitForValue(async () => (await page.getByTestId('evse-connector-status-CS201-1-1').textContent())?.includes('Available'), 'EVSE 1 connector 1 Available');

    await page.getByTestId('evse-idtoken-input-CS201-1').fill('04A1B2C3D4E5F6');
    await page.getByTestId('evse-start-CS201-1').click();
    await waitForValue(async () => (await page.getByTestId('evse-charging-state-CS201-1').textContent())?.includes('Charging'), 'Charging');
    assert.equal((await page.getByTestId('evse-connector-status-CS201-1-1').textContent())?.trim(), 'Occupied');
    await page.locator(row('CS201', 'TransactionEvent', 2, '[data-paired="true"]')).first().waitFor();
    const txId = (await page.getByTestId('evse-tx-id-CS201-1').textContent())?.trim();
    const book = async () => (await api(server.ui, 'GET', '/api/csms')).body.transactions as { open: { transactionId: string }[]; finished: { transactionId: string; reason?: string }[] };
    await waitForValue(async () => (await book()).open.some((r) => r.transactionId === txId), 'the transaction open in the CSMS book');

    await page.getByTestId('evse-stop-CS201-1').click();
    await waitForValue(async () => (await page.getByTestId('evse-tx-CS201-1').textContent())?.trim() === '–', 'the transaction gone from the EVSE');
    await waitForValue(async () => (await book()).finished.some((r) => r.transactionId === txId && r.reason === 'Local'), 'TransactionEvent Ended in the CSMS book');

    // The device model replaces the configuration keys; edits go through SetVariables.
    assert.equal((await page.getByTestId('tab-config-CS201').textContent())?.trim(), 'Device model');
    await page.getByTestId('tab-config-CS201').click();
    await waitForValue(async () => (await page.locator('[data-testid="device-model-CS201"] [data-testid="variable-row"]').count()) > 50, 'the device-model rows');
    const hb = 'OCPPCommCtrlr_HeartbeatInterval_Actual';
    await page.getByTestId(`variable-edit-CS201-${hb}`).click();
    await page.getByTestId(`variable-input-CS201-${hb}`).fill('300');
    await page.getByTestId(`variable-save-CS201-${hb}`).click();
    await waitForValue(async () => (await page.getByTestId(`variable-status-CS201-${hb}`).textContent())?.includes('Accepted'), 'HeartbeatInterval accepted');
    await waitForValue(async () => (await page.getByTestId(`variable-value-CS201-${hb}`).textContent())?.trim() === '300', 'the new value shown');
    const phases = 'ChargingStation_SupplyPhases_Actual';
    await page.getByTestId(`variable-edit-CS201-${phases}`).click();
    await page.getByTestId(`variable-input-CS201-${phases}`).fill('1');
    await page.getByTestId(`variable-save-CS201-${phases}`).click();
    await waitForValue(async () => (await page.getByTestId(`variable-reason-CS201-${phases}`).textContent())?.includes('is ReadOnly'), 'the ReadOnly refusal with its reason');
    assert.equal((await page.getByTestId(`variable-status-CS201-${phases}`).textContent())?.trim(), 'Rejected');
    await page.getByTestId(`variable-save-CS201-${phases}`).scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'ocpp201-station.png'), fullPage: true });
    await page.close();

    // A 1.6 charge point keeps its configuration keys (the same loader serves both tables).
    const v16 = await open('?cp=CP001');
    assert.equal((await v16.getByTestId('tab-config-CP001').textContent())?.trim(), 'Configuration');
    await waitForValue(async () => (await v16.locator('[data-testid="config-table-CP001"] [data-testid="config-row"][data-key="HeartbeatInterval"]').count()) === 1, 'the 1.6 configuration keys');
    await v16.close();
  });

  test('protocol=2.0.1 in the page URL prefills an OCPP 2.0.1 station from connectTemplate and cp', async () => {
    const page = await open(`?connectTemplate=${encodeURIComponent(csmsUrl)}&cp=CS202&protocol=2.0.1`);
    await page.getByTestId('connect-CS202').click();
    await waitForValue(async () => (await page.getByTestId('boot-state-CS202').textContent())?.includes('Accepted'), 'BootNotification accepted');
    assert.equal((await page.getByTestId('protocol-CS202').textContent())?.trim(), 'ocpp2.0.1');
    await page.close();
  });
});

describe('web UI bound to a non-loopback address', () => {
  let server: ServerMode;
  before(async () => {
    server = await startServerMode(await freePortPair(), ['--token', 'ui-test-token'], { BIND: '0.0.0.0' });
  });
  after(() => server?.stop());

  test('the token is required by the REST API and the bridge, and the page passes it on', async () => {
    assert.equal((await api(server.ui, 'GET', '/api/chargepoints')).status, 401);
    assert.equal((await api(server.ui, 'GET', '/api/chargepoints', undefined, { authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await api(server.ui, 'GET', '/api/chargepoints', undefined, { authorization: 'Bearer ui-test-token' })).status, 200);
    const bridge = `ws://127.0.0.1:${Number(new URL(server.ui).port) + 1}/`;
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(bridge, { headers: { origin: server.ui } });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
      ws.on('error', () => undefined);
    });
    assert.equal(refused, 401, 'the bridge refuses a connection without the token');

    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox'] });
    try {
      const page = await browser.newPage();
      await page.goto(`${server.ui}/?token=ui-test-token&connectTemplate=ws%3A%2F%2F127.0.0.1%3A9%2F&cp=CP900`);
      await waitForValue(async () => (await page.getByTestId('bridge-state').textContent())?.trim() === 'connected', 'the bridge connected with the token');
      await page.getByTestId('connect-CP900').click();
      // Nothing listens on port 9: the REST call went through (authorized) and reports the failure.
      await waitForValue(async () => (await api(server.ui, 'GET', '/api/chargepoints/CP900', undefined, { 'x-ocpp-sim-token': 'ui-test-token' })).status === 200, 'CP900 created through the token-bearing UI');
    } finally {
      await browser.close();
    }
    assert.match(server.output(), new RegExp(`^ {2}open ${server.ui}/\\?token=ui-test-token \\(the page keeps the token; every request on this address needs it\\)$`, 'm'));
  });
});
