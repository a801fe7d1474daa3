#!/usr/bin/env node
/**
 * `npm run screenshots`: start ocpp-sim in server mode with the embedded mock CSMS, add a few
 * charge points (one charging), open every main view in headless Chromium (Debian's
 * /usr/bin/chromium, or CHROMIUM=…) and write PNGs under docs/screenshots/. Needs `npm run build`
 * and `npm run build:client` first.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const OUT = path.join(ROOT, 'docs', 'screenshots');
const TOKEN = 'screenshots';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Two consecutive free ports (PORT and the bridge on PORT + 1), and one for the CSMS. */
async function freePort() {
  const s = net.createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address();
  s.close();
  return port;
}
async function freePortPair() {
  for (;;) {
    const p = await freePort();
    const s = net.createServer().listen(p + 1, '127.0.0.1');
    const ok = await once(s, 'listening').then(() => true, () => false);
    s.close();
    if (ok) return p;
  }
}

async function until(fn, label, ms = 20_000) {
  for (let waited = 0; waited <= ms; waited += 100) {
    if (await fn().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${label}`);
}

const port = await freePortPair();
const csmsPort = await freePort();
const child = spawn(process.execPath, [path.join(ROOT, 'server/dist/src/runtime/main.js'), '--with-csms', '--port', String(csmsPort), '--token', TOKEN], {
  cwd: ROOT,
  env: { ...process.env, PORT: String(port), BIND: '127.0.0.1', CSMS_URL: '', DEBUG: '' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let out = '';
child.stdout.on('data', (d) => (out += d));
const ui = `http://127.0.0.1:${port}`;
const csmsUrl = `ws://127.0.0.1:${csmsPort}/ocpp`;
let browser;
try {
  await until(async () => /^ {2}open \S+/m.test(out), 'the server');
  const api = async (method, route, body) => {
    const res = await fetch(`${ui}/api${route}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: body && JSON.stringify(body) });
    if (!res.ok && res.status !== 400 && res.status !== 502) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
    return res.json().catch(() => undefined);
  };
  for (const id of ['CP001', 'CP002', 'CP003']) await api('POST', '/chargepoints', { id, url: `${csmsUrl}/${id}`, connect: true });
  // Meter values every 2 s, so the CSMS view's transaction chart has points.
  await api('POST', '/csms/CP001/actions/ChangeConfiguration', { payload: { key: 'MeterValueSampleInterval', value: '2' } });
  await api('POST', '/chargepoints/CP001/connectors/1/start', { idTag: 'TAG001' });
  // Forced past the schema: the CSMS answers with a CALLERROR and its probes note a finding.
  await api('POST', '/chargepoints/CP002/actions/Authorize', { payload: {}, force: true });
  await api('POST', '/chargepoints/CP003/actions/Authorize', { payload: { deliberately: 'invalid' } });
  await api('POST', '/chargepoints/CP003/script', { code: 'const x = null;\nx.notThere();' });
  await api('POST', '/csms/CP001/actions/TriggerMessage', { payload: { requestedMessage: 'MeterValues', connectorId: 1 } });
  await api('POST', '/csms/CP002/actions/GetConfiguration', { payload: { key: ['HeartbeatInterval'] } });
  // A 2.0.1 station with a limit and a display message from the CSMS, for its Station tab.
  await api('POST', '/chargepoints', { id: 'CS201', url: `${csmsUrl}/CS201`, protocol: '2.0.1', connect: true });
  await api('POST', '/csms/CS201/actions/SetChargingProfile', { payload: { evseId: 1, chargingProfile: { id: 5, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute', chargingSchedule: [{ id: 5, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }, { startPeriod: 1800, limit: 10 }] }] } } });
  await api('POST', '/csms/CS201/actions/SetDisplayMessage', { payload: { message: { id: 7, priority: 'NormalCycle', message: { format: 'UTF8', content: 'Welcome: 0.35 EUR/kWh' } } } });
  await sleep(4000);

  mkdirSync(OUT, { recursive: true });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  page.setDefaultTimeout(20_000);
  await page.goto(`${ui}/?token=${TOKEN}`);
  await page.getByTestId('bridge-state').waitFor();
  const shot = async (name) => {
    await sleep(800);
    await page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });
    console.log(`docs/screenshots/${name}.png`);
  };

  await page.getByTestId('cp-tab-CP001').click();
  await shot('chargepoint');
  await page.getByTestId('tab-calls-CP001').click();
  await shot('chargepoint-csms-calls');
  await page.getByTestId('tab-script-CP001').click();
  await page.getByTestId('script-code-CP001').fill("const r = await cp.sendHeartbeat();\nconsole.log('heartbeat at', r.currentTime);");
  await page.getByTestId('script-run-CP001').click();
  await page.locator('[data-testid="script-output-line"]').first().waitFor();
  await shot('script-console');
  await page.getByTestId('cp-tab-CP003').click();
  await page.getByTestId('tab-errors-CP003').click();
  await page.locator('[data-testid="error-log-CP003"] [data-testid="error-row"]').first().waitFor();
  await shot('errors');
  await page.getByTestId('cp-tab-CS201').click();
  await page.getByTestId('tab-station-CS201').click();
  await page.getByTestId('limit-chart-CS201').locator('canvas').waitFor();
  await shot('station-201');
  await page.getByTestId('nav-csms').click();
  await page.getByTestId('csms-sent-calls').waitFor();
  await page.getByTestId('csms-station-CP001').click();
  await page.getByTestId('csms-log-CP001').waitFor();
  await until(async () => Number(await page.getByTestId('csms-tx-chart').getAttribute('data-points')) >= 3, 'the transaction chart');
  await shot('csms');
  await page.getByTestId('nav-fleet').click();
  await page.getByTestId('fleet-view').waitFor();
  await shot('fleet');
} finally {
  await browser?.close();
  child.kill('SIGINT');
  await once(child, 'exit');
}
