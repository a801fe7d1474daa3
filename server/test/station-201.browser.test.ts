/**
 * The 2.0.1 station's "Station" tab in Debian's Chromium against the real CLI in server mode with
 * the embedded mock CSMS: the CSMS installs a CSMS root, sets a TxDefaultProfile and a display
 * message (through its REST route, as the CSMS view does) and the tab shows the certificate with
 * its type and serial, the EVSE's limit and the message. A station added with the form's ISO 15118
 * switch has ISO15118Ctrlr in its device model.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { createCa } from '../src/security/pki';
import { openUiPage, ROOT, startUiBench, waitForValue } from './helpers';

const CP = 'ST201';

test('Station tab: an installed certificate, a charging profile and a display message set from the CSMS side show on the page', { timeout: 180_000 }, async (t) => {
  const { server, browser, csmsUrl } = await startUiBench();
  t.after(async () => {
    await browser.close();
    await server.stop();
  });
  const eventually = <T>(fn: () => Promise<T> | T, label: string): Promise<NonNullable<T>> => waitForValue(fn, label, 20_000);
  const csmsCall = async (action: string, payload: object): Promise<Record<string, unknown>> => {
    const res = await fetch(`${server.ui}/api/csms/${CP}/actions/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
      body: JSON.stringify({ payload }),
    });
    const body = (await res.json()) as { response: Record<string, unknown> };
    assert.equal(res.status, 200, JSON.stringify(body));
    return body.response;
  };

  const page: Page = await openUiPage(browser, server, `?connectTemplate=${encodeURIComponent(csmsUrl)}&cp=${CP}&protocol=2.0.1`, { storeToken: true, height: 1000 });
  await page.getByTestId(`connect-${CP}`).click();
  await eventually(async () => (await page.getByTestId(`state-${CP}`).textContent())?.trim() === 'connected', 'connected');
  await page.getByTestId(`tab-station-${CP}`).click();
  const panel = page.getByTestId(`station-panel-${CP}`);
  await eventually(async () => (await page.getByTestId(`station-profile-${CP}`).textContent())?.trim() === '1', 'security profile 1 (ws://, no password)');

  const root = await createCa('browser test CSMS root');
  assert.deepEqual(await csmsCall('InstallCertificate', { certificateType: 'CSMSRootCertificate', certificate: root.cert }), { status: 'Accepted' });
  const serial = new X509Certificate(root.cert).serialNumber.toLowerCase();
  const cert = panel.locator(`[data-testid="cert-row"][data-type="CSMSRootCertificate"]`);
  await eventually(async () => (await cert.getAttribute('data-serial')) === serial, 'the installed root with its serial');

  // 16 A on 3 × 230 V = 11 040 W on EVSE 1.
  const profile = { id: 5, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute', chargingSchedule: [{ id: 5, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] }] };
  assert.deepEqual(await csmsCall('SetChargingProfile', { evseId: 1, chargingProfile: profile }), { status: 'Accepted' });
  await eventually(async () => (await page.getByTestId(`limit-now-${CP}-1`).getAttribute('data-w')) === '11040', 'EVSE 1 limited to 11 040 W');
  assert.equal(await page.getByTestId(`limit-chart-${CP}`).locator('canvas').count(), 1, 'uPlot drew the limits');

  const message = { id: 7, priority: 'NormalCycle', message: { format: 'UTF8', content: 'Hello from the CSMS' } };
  assert.deepEqual(await csmsCall('SetDisplayMessage', { message }), { status: 'Accepted' });
  const row = panel.locator('[data-testid="display-row"][data-id="7"]');
  await eventually(async () => (await row.textContent())?.includes('Hello from the CSMS'), 'the display message');
  assert.ok((await panel.getByTestId('monitor-row').count()) >= 1, 'the factory monitors are listed');
  assert.equal((await page.getByTestId(`firmware-status-${CP}`).textContent())?.trim(), 'Idle');
  const shots = path.join(ROOT, 'test-artifacts', 'ui');
  mkdirSync(shots, { recursive: true });
  await panel.screenshot({ path: path.join(shots, 'station-201.png') });

  // A second station added with the form's ISO 15118 switch: its device model has ISO15118Ctrlr.
  const V2G = 'ST201V2G';
  await page.getByTestId('add-cp-id').fill(V2G);
  await page.getByTestId('add-cp-url').fill(`${csmsUrl}/{cp}`);
  await page.getByTestId('add-cp-protocol').selectOption('ocpp2.0.1');
  await page.getByTestId('add-cp-iso15118').check();
  await page.getByTestId('add-cp-submit').click();
  await page.getByTestId(`connect-${V2G}`).click();
  await eventually(async () => (await page.getByTestId(`state-${V2G}`).textContent())?.trim() === 'connected', 'the ISO 15118 station connected');
  await page.getByTestId(`tab-config-${V2G}`).click();
  await page.getByTestId(`variable-value-${V2G}-ISO15118Ctrlr_SeccId_Actual`).waitFor({ state: 'attached' });
});

