/** Mock CSMS policy: auth modes, offline Authorize, boot-status sequences, per-CP passwords, and the order checks. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { connect } from '../src/chargepoint/connect';
import type { Chargepoint } from '../src/chargepoint/chargepoint';
import { MockCsms, type MockCsmsOptions } from '../src/csms/mock-csms';
import { loadPasswordFile, parseBootStatusSequence } from '../src/csms/policy';

const BOOT = { chargePointVendor: 'ocpp-sim', chargePointModel: 'policy-test' };
const now = (): string => new Date().toISOString();

/** A CSMS with `options`, closed after `fn`. */
async function withCsms(options: MockCsmsOptions, fn: (csms: MockCsms) => Promise<void>): Promise<void> {
  const csms = new MockCsms({ port: 0, ...options });
  await csms.listen();
  try {
    await fn(csms);
  } finally {
    await csms.close();
  }
}

/** A charge point that booted (Accepted). */
async function booted(csms: MockCsms, id: string): Promise<Chargepoint> {
  const cp = await connect(`${csms.url}${id}`);
  assert.equal((await cp.sendBootnotification(BOOT)).status, 'Accepted');
  return cp;
}

const authorize = async (cp: Chargepoint, idTag: string): Promise<string> => (await cp.sendAuthorize({ idTag })).idTagInfo.status;

test('auth mode normal accepts every token', async () => {
  await withCsms({}, async (csms) => {
    const cp = await booted(csms, 'N1');
    for (const tag of ['anything', 'blocked_token', 'valid_token']) assert.equal(await authorize(cp, tag), 'Accepted');
    await cp.close();
  });
});

test('auth mode whitelist: listed tokens Accepted, others Invalid, also in StartTransaction', async () => {
  await withCsms({ authMode: 'whitelist' }, async (csms) => {
    const cp = await booted(csms, 'W1');
    for (const tag of ['valid_token', 'test_token', 'authorized_user']) assert.equal(await authorize(cp, tag), 'Accepted');
    assert.equal(await authorize(cp, 'stranger'), 'Invalid');
    const start = await cp.startTransaction({ connectorId: 1, idTag: 'stranger', meterStart: 0, timestamp: now() });
    assert.equal(start.idTagInfo.status, 'Invalid');
    assert.ok(Number.isInteger(start.transactionId), 'the transaction is still recorded');
    await cp.close();
  });
  await withCsms({ authMode: 'whitelist', whitelist: ['only_me'] }, async (csms) => {
    const cp = await booted(csms, 'W2');
    assert.equal(await authorize(cp, 'only_me'), 'Accepted');
    assert.equal(await authorize(cp, 'valid_token'), 'Invalid');
    await cp.close();
  });
});

test('auth mode blacklist: listed tokens Blocked, others Accepted', async () => {
  await withCsms({ authMode: 'blacklist' }, async (csms) => {
    const cp = await booted(csms, 'B1');
    assert.equal(await authorize(cp, 'blocked_token'), 'Blocked');
    assert.equal(await authorize(cp, 'invalid_user'), 'Blocked');
    assert.equal(await authorize(cp, 'someone'), 'Accepted');
    const start = await cp.startTransaction({ connectorId: 1, idTag: 'blocked_token', meterStart: 0, timestamp: now() });
    assert.equal(start.idTagInfo.status, 'Blocked');
    const stop = await cp.stopTransaction({ transactionId: start.transactionId, meterStop: 10, timestamp: now(), idTag: 'blocked_token' });
    assert.equal(stop.idTagInfo?.status, 'Blocked');
    await cp.close();
  });
});

test('auth mode rate_limit: every Authorize is a GenericError with retryAfter; transactions are not throttled', async () => {
  await withCsms({ authMode: 'rate_limit', rateLimitRetryAfter: 7 }, async (csms) => {
    const cp = await booted(csms, 'R1');
    for (const tag of ['valid_token', 'x']) {
      await assert.rejects(cp.sendAuthorize({ idTag: tag }), (err: Error & { code?: string; details?: Record<string, unknown> }) => {
        assert.equal(err.code, 'GenericError');
        assert.deepEqual(err.details, { retryAfter: 7 });
        return true;
      });
    }
    const start = await cp.startTransaction({ connectorId: 1, idTag: 'x', meterStart: 0, timestamp: now() });
    assert.equal(start.idTagInfo.status, 'Accepted');
    await cp.close();
  });
});

test('offline: Authorize is never answered (the charge point times out), everything else is', async () => {
  await withCsms({ offline: true }, async (csms) => {
    const cp = await booted(csms, 'OFF');
    await assert.rejects(cp.call('Authorize', { idTag: 'valid_token' }, { timeoutMs: 300 }), (err: Error & { code?: string }) => err.code === 'Timeout');
    assert.ok((await cp.sendHeartbeat()).currentTime);
    assert.equal(csms.stations.get('OFF')!.endpoint.unansweredInbound, 0, 'the dropped CALL is not held');
    assert.deepEqual(csms.probes!.report(), {}, 'a CALL after our deliberate silence is no overlap');
    await cp.close();
  });
});

test('boot status sequence per charge point: Pending, Pending, Accepted, then Accepted repeats; Pending carries the retry interval', async () => {
  assert.deepEqual(parseBootStatusSequence('pending, Pending,ACCEPTED'), ['Pending', 'Pending', 'Accepted']);
  assert.throws(() => parseBootStatusSequence('Pending,Maybe'), /'Maybe' is not one of/);
  await withCsms({ bootStatusSequence: ['Pending', 'Pending', 'Accepted'], bootRetryInterval: 3, heartbeatInterval: 60 }, async (csms) => {
    const a = await connect(`${csms.url}SEQ-A`);
    const seen: [string, number][] = [];
    for (let i = 0; i < 4; i++) {
      const conf = await a.sendBootnotification(BOOT);
      seen.push([conf.status, conf.interval]);
    }
    assert.deepEqual(seen, [['Pending', 3], ['Pending', 3], ['Accepted', 60], ['Accepted', 60]]);
    const b = await connect(`${csms.url}SEQ-B`);
    assert.equal((await b.sendBootnotification(BOOT)).status, 'Pending', 'counted per charge point');
    await Promise.all([a.close(), b.close()]);
  });
  await withCsms({ bootStatus: 'Rejected', bootRetryInterval: 5 }, async (csms) => {
    const cp = await connect(`${csms.url}REJ`);
    const conf = await cp.sendBootnotification(BOOT);
    assert.deepEqual([conf.status, conf.interval], ['Rejected', 5]);
    await cp.close();
  });
});

test('per-charge-point passwords from a JSON file: 401 for a wrong or missing password', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'ocpp-sim-pw-'));
  try {
    const file = path.join(dir, 'passwords.json');
    await writeFile(file, JSON.stringify({ CP001: 'first-secret', CP002: 'second-secret' }));
    const passwords = loadPasswordFile(file);
    await writeFile(path.join(dir, 'bad.json'), '["x"]');
    assert.throws(() => loadPasswordFile(path.join(dir, 'bad.json')), /expected a JSON object/);
    assert.throws(() => loadPasswordFile(path.join(dir, 'missing.json')), /password file .*missing\.json/);
    await withCsms({ passwords }, async (csms) => {
      const ok = await connect(`${csms.url}CP001`, undefined, undefined, { password: 'first-secret' });
      await ok.close();
      await assert.rejects(connect(`${csms.url}CP002`, undefined, undefined, { password: 'first-secret' }), (err: Error & { code?: string }) => err.code === 'HTTP401');
      await assert.rejects(connect(`${csms.url}CP001`), (err: Error & { code?: string }) => err.code === 'HTTP401');
      const unlisted = await connect(`${csms.url}CP003`);
      await unlisted.close();
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('order: a CALL before an Accepted boot gets SecurityError; StatusNotification before any boot too', async () => {
  await withCsms({ bootStatusSequence: ['Pending', 'Accepted'] }, async (csms) => {
    const cp = await connect(`${csms.url}ORDER`);
    const securityError = (err: Error & { code?: string }) => err.code === 'SecurityError';
    await assert.rejects(cp.sendStatusNotification({ connectorId: 1, errorCode: 'NoError', status: 'Available' }), securityError);
    await assert.rejects(cp.sendAuthorize({ idTag: 'x' }), securityError);
    assert.equal((await cp.sendBootnotification(BOOT)).status, 'Pending');
    await assert.rejects(cp.sendHeartbeat(), securityError, 'Pending is not Accepted');
    // While Pending, what the CSMS triggers may come (OCPP 1.6 §4.2.1), once.
    cp.answer('TriggerMessage', () => ({ status: 'Accepted' }));
    await csms.call('ORDER', 'TriggerMessage', { requestedMessage: 'Heartbeat' });
    assert.ok((await cp.sendHeartbeat()).currentTime);
    await assert.rejects(cp.sendHeartbeat(), securityError);
    assert.equal((await cp.sendBootnotification(BOOT)).status, 'Accepted');
    assert.ok((await cp.sendHeartbeat()).currentTime);
    await cp.close();
    const again = await connect(`${csms.url}ORDER`);
    assert.ok((await again.sendHeartbeat()).currentTime, 'accepted stays accepted across a reconnect');
    await again.close();
  });
});

test('order checks are switchable: StatusNotification before boot alone gets GenericError; off means lenient', async () => {
  await withCsms({ discipline: { requireAccepted: false } }, async (csms) => {
    const cp = await connect(`${csms.url}HALF`);
    assert.ok((await cp.sendHeartbeat()).currentTime);
    await assert.rejects(cp.sendStatusNotification({ connectorId: 1, errorCode: 'NoError', status: 'Available' }), (err: Error & { code?: string }) => err.code === 'GenericError');
    await cp.close();
  });
  await withCsms({ discipline: false }, async (csms) => {
    const cp = await connect(`${csms.url}LENIENT`);
    assert.deepEqual(await cp.sendStatusNotification({ connectorId: 1, errorCode: 'NoError', status: 'Available' }), {});
    assert.equal(await authorize(cp, 'x'), 'Accepted');
    await cp.close();
  });
});
