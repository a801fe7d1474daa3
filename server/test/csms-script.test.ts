/** CSMS scripts: the `csms` object, and the three examples run against an in-process charge point. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { Chargepoint } from '../src/chargepoint/chargepoint';
import { connect, connectMany } from '../src/chargepoint/connect';
import { MockCsms } from '../src/csms/mock-csms';
import { loadCsmsScript, runCsmsScript } from '../src/csms/script-api';

const EXAMPLES = path.resolve(__dirname, '../../../scripts-examples');

/** Run a CSMS script with one of our charge points connected; resolves with the logged lines. */
async function run(source: { file: string } | { text: string }, env: Record<string, string> = {}): Promise<string[]> {
  const csms = new MockCsms({ port: 0 });
  await csms.listen();
  const lines: string[] = [];
  const logger = { info: (...a: unknown[]) => lines.push(a.join(' ')), warn: (...a: unknown[]) => lines.push(`warn: ${a.join(' ')}`), log: (...a: unknown[]) => lines.push(a.join(' ')) };
  const saved = { ...process.env };
  Object.assign(process.env, env);
  let fleet: Chargepoint[] = [];
  try {
    const loaded = await loadCsmsScript(source);
    const running = runCsmsScript(csms, loaded, { logger });
    fleet = await connectMany(csms.url, 1, { idPrefix: 'SCRIPT', profile: { configuration: { MeterValueSampleInterval: 1 } } });
    await running;
    assert.deepEqual(csms.probes!.report(), {});
    return lines;
  } finally {
    process.env = saved;
    await Promise.all(fleet.map((cp) => cp.close()));
    await csms.close();
  }
}

test('the csms object: on (with fallback to the default), call, waitFor, chargePoints, url, readable timeouts', async () => {
  const lines = await run({
    text: `
      logger.info('url', csms.url.startsWith('ws://127.0.0.1:'));
      csms.on('DataTransfer', ({ cpId, payload }) => (payload.messageId === 'mine' ? { status: 'Accepted', data: cpId } : undefined));
      const cpId = await csms.waitForChargePoint();
      logger.info('chargePoints', JSON.stringify(csms.chargePoints));
      const heartbeat = csms.waitFor(cpId, 'Heartbeat');
      logger.info('trigger', (await csms.call(cpId, 'TriggerMessage', { requestedMessage: 'Heartbeat' })).status);
      logger.info('heartbeat', JSON.stringify(await heartbeat));
      await csms.waitFor(cpId, 'Authorize', undefined, 50).catch((err) => logger.info(err.message));
      await csms.waitFor('*', 'Authorize', (p) => p.idTag === 'x', 50).catch((err) => logger.info(err.message));
      return cpId;
    `,
  });
  assert.deepEqual(lines, [
    'url true',
    'chargePoints ["SCRIPT001"]',
    'trigger Accepted',
    'heartbeat {}',
    'waitFor: no Authorize from SCRIPT001 within 50 ms',
    "waitFor: no Authorize matching (p) => p.idTag === 'x' from any charge point within 50 ms",
  ]);
});

test('script answers override the defaults, undefined falls back to them', async () => {
  const csms = new MockCsms({ port: 0 });
  await csms.listen();
  const cp = await connect(`${csms.url}OVR`);
  try {
    const loaded = await loadCsmsScript({
      text: `csms.on('DataTransfer', ({ cpId, payload }) => (payload.messageId === 'mine' ? { status: 'Accepted', data: cpId } : undefined));
             csms.on('connect', (id) => logger.push(id));`,
    });
    const seen: string[] = [];
    await runCsmsScript(csms, loaded, { logger: seen });
    await cp.sendBootnotification({ chargePointVendor: 'v', chargePointModel: 'm' });
    assert.deepEqual(await cp.sendDataTransfer({ vendorId: 'v', messageId: 'mine' }), { status: 'Accepted', data: 'OVR' });
    assert.deepEqual(await cp.sendDataTransfer({ vendorId: 'v', messageId: 'other' }), { status: 'Accepted' });
  } finally {
    await cp.close();
    await csms.close();
  }
});

test('example csms-whitelist.js', async () => {
  const lines = await run({ file: path.join(EXAMPLES, 'csms-whitelist.js') });
  assert.match(lines.join('\n'), /SCRIPT001 connected[\s\S]*RemoteStartTransaction valid_token: Accepted[\s\S]*transaction \d+ started with valid_token[\s\S]*stopped: \d+ Wh[\s\S]*whitelist session done/);
});

test('example csms-remote-start.js', async () => {
  const lines = await run({ file: path.join(EXAMPLES, 'csms-remote-start.js') }, { SESSION_SECONDS: '1.5' });
  const text = lines.join('\n');
  assert.match(text, /SCRIPT001: transaction (\d+) on connector 1/);
  assert.match(text, /SCRIPT001: \d+\.\d{3} kWh/);
  assert.match(text, /SCRIPT001: transaction \d+ finished, \d+ Wh/);
});

test('example csms-periodic-getconfiguration.js', async () => {
  const lines = await run({ file: path.join(EXAMPLES, 'csms-periodic-getconfiguration.js') }, { PERIOD_S: '0.2', ROUNDS: '3' });
  assert.equal(lines.length, 3, lines.join('\n'));
  assert.match(lines[0]!, /^round 1 SCRIPT001: \d+ keys, changed: /);
  assert.match(lines[2]!, /^round 3 SCRIPT001: \d+ keys, no change$/);
});
