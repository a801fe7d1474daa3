/**
 * The seeds' RFID reader over REST for a 2.0.1 station, end to end: server mode's REST API creates
 * and connects a ChargingStation to a strict ocpp-rpc CSMS whose Authorize knows one card
 * (whitelist 04A1B2C3D4E5F6); `POST /api/chargepoints/:id/rfid {"uid"}` and `POST /authorize_rfid
 * {"cp", "uid"}` send Authorize with idToken type ISO14443 and return the idTokenInfo; anything
 * that is not a usable ISO 14443 UID is a 400 with the reason.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { iso14443Problem } from '../src/web/rfid';
import { webBeside201 } from './cs201-harness';
import { freePort, freePortPair, startCli, startServerMode, until } from './helpers';

test('iso14443Problem: 4, 7 or 10 bytes of hex; no cascade tag; no random 4-byte ID (ocpp201-rules §5)', () => {
  for (const ok of ['A1B2C3D4', '04a1b2c3d4e5f6', '0123456789ABCDEF0123']) assert.equal(iso14443Problem(ok), undefined, ok);
  for (const bad of ['xyz', 'A1B2C3', 'A1B2C3D4E5', '88A1B2C3', '04A1B288D4E5F6', '08A1B2C3', 42, undefined]) assert.match(iso14443Problem(bad)!, /ISO 14443 UID/, String(bad));
});

test('POST /api/chargepoints/:id/rfid and /authorize_rfid: Authorize ISO14443, the idTokenInfo as JSON, 400 otherwise', async (t) => {
  const authorized: unknown[] = [];
  const { csms, port } = await webBeside201(t, {
    Authorize: (p) => {
      authorized.push(p.idToken);
      return { idTokenInfo: { status: p.idToken.idToken === '04A1B2C3D4E5F6' ? 'Accepted' : 'Invalid' } };
    },
  });
  const post = async (url: string, body: unknown): Promise<{ status: number; body: any }> => {
    const res = await fetch(`http://127.0.0.1:${port}${url}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  };
  const created = await post('/api/chargepoints', { id: 'SEED201', url: csms.url, protocol: '2.0.1', connect: true });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.deepEqual([created.body.protocol, created.body.state, created.body.bootState], ['ocpp2.0.1', 'connected', 'Accepted']);

  const known = await post('/api/chargepoints/SEED201/rfid', { uid: '04a1b2c3d4e5f6' });
  assert.equal(known.status, 200);
  assert.deepEqual(known.body, { idToken: { idToken: '04A1B2C3D4E5F6', type: 'ISO14443' }, idTokenInfo: { status: 'Accepted' } });
  const other = await post('/authorize_rfid', { cp: 'SEED201', uid: 'A1B2C3D4' });
  assert.equal(other.status, 200);
  assert.deepEqual(other.body.idTokenInfo, { status: 'Invalid' });
  const bad = await post('/authorize_rfid', { cp: 'SEED201', uid: 'xyz' });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error, /ISO 14443 UID/);
  assert.equal((await post('/api/chargepoints/SEED201/rfid', { uid: '88A1B2C3' })).status, 400);
  assert.equal((await post('/authorize_rfid', { cp: 'NOPE', uid: 'A1B2C3D4' })).status, 404);
  const foreign = await fetch(`http://127.0.0.1:${port}/authorize_rfid`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'http://evil.example' }, body: JSON.stringify({ cp: 'SEED201', uid: 'A1B2C3D4' }) });
  assert.equal(foreign.status, 403, 'the same Origin rule as /api');
  assert.deepEqual(authorized, [{ idToken: '04A1B2C3D4E5F6', type: 'ISO14443' }, { idToken: 'A1B2C3D4', type: 'ISO14443' }]);
  assert.deepEqual(csms.failures, []);
});

test('seed REST end to end through the real CLIs: the mock CSMS with --auth-mode whitelist --whitelist 04A1B2C3D4E5F6, server mode, a 2.0.1 station', { timeout: 40_000 }, async (t) => {
  const csmsPort = await freePort();
  const csms = startCli(['--csms', '--no-state', '--no-http', '--port', String(csmsPort), '--auth-mode', 'whitelist', '--whitelist', '04A1B2C3D4E5F6']);
  t.after(() => csms.stop());
  await until(() => csms.out().includes('listening'), 'the mock CSMS');
  const server = await startServerMode(await freePortPair());
  t.after(() => server.stop());
  const post = async (url: string, body: unknown): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${server.ui}${url}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` }, body: JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  };
  const created = await post('/api/chargepoints', { id: 'RFID201', url: `ws://127.0.0.1:${csmsPort}/`, protocol: '2.0.1', connect: true });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.bootState, 'Accepted');
  const known = await post('/authorize_rfid', { cp: 'RFID201', uid: '04A1B2C3D4E5F6' });
  assert.deepEqual([known.status, known.body.idTokenInfo?.status], [200, 'Accepted'], JSON.stringify(known.body));
  const other = await post('/authorize_rfid', { cp: 'RFID201', uid: 'A1B2C3D4' });
  assert.deepEqual([other.status, other.body.idTokenInfo?.status], [200, 'Invalid'], JSON.stringify(other.body));
  const bad = await post('/authorize_rfid', { cp: 'RFID201', uid: 'xyz' });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error, /ISO 14443 UID/);
});
