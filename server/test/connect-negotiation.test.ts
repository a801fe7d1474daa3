/**
 * `connect(url, id, undefined, {protocols: [...]})`: one dial offering several OCPP versions, and
 * the station of the version the CSMS picked (2.0.1 Part 4 §3.1.2). Against the mock CSMS serving
 * one version or both, against a plain `ws` server that counts handshakes, and one speaking
 * neither.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { WebSocketServer } from 'ws';
import { Chargepoint } from '../src/chargepoint/chargepoint';
import { connect } from '../src/chargepoint/connect';
import { ChargingStation } from '../src/charging-station/charging-station';
import { MockCsms } from '../src/csms/mock-csms';
import { until } from './helpers';

async function csmsServing(protocols: string[]): Promise<MockCsms> {
  const csms = new MockCsms({ port: 0, host: '127.0.0.1', protocols });
  await csms.listen();
  return csms;
}

test('offering ocpp2.0.1, ocpp1.6: a 1.6-only CSMS gets a 1.6 Chargepoint, a CSMS serving both a 2.0.1 ChargingStation, each on one connection', async (t) => {
  const only16 = await csmsServing(['ocpp1.6']);
  const both = await csmsServing(['ocpp2.0.1', 'ocpp1.6']);
  t.after(() => Promise.all([only16.close(), both.close()]));
  const connections: string[] = [];
  for (const csms of [only16, both]) csms.on('connect', (s: { id: string; version: string }) => connections.push(`${s.id} ${s.version}`));

  const old = await connect(`${only16.url}NEG-A`, undefined, undefined, { protocols: ['ocpp2.0.1', 'ocpp1.6'], boot: 'auto' });
  const modern = await connect(`${both.url}NEG-B`, undefined, undefined, { protocols: ['2.0.1', '1.6'], boot: 'auto' });
  try {
    assert.ok(old instanceof Chargepoint, 'the 1.6-only CSMS picked 1.6');
    assert.ok(modern instanceof ChargingStation, 'the CSMS serving both picked 2.0.1');
    assert.equal(old.endpoint.protocol.subprotocol, 'ocpp1.6');
    assert.equal(modern.endpoint.protocol.subprotocol, 'ocpp2.0.1');
    assert.equal(old.station.bootState, 'Accepted');
    assert.equal(modern.station.bootState, 'Accepted');
    // Each works in its version: a 1.6 Authorize, a 2.0.1 Authorize.
    assert.equal(((await old.call('Authorize', { idTag: 'T1' })) as { idTagInfo: { status: string } }).idTagInfo.status, 'Accepted');
    assert.equal(((await modern.call('Authorize', { idToken: { idToken: 'T1', type: 'Central' } })) as { idTokenInfo: { status: string } }).idTokenInfo.status, 'Accepted');
    assert.deepEqual(connections, ['NEG-A 1.6', 'NEG-B 2.0.1'], 'one connection each: the version is negotiated, not tried');
  } finally {
    await old.close();
    await modern.close();
  }
});

test('the CSMS picks, not the order offered; later reconnects offer the picked version only', async (t) => {
  const offers: string[][] = [];
  const wss = new WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    handleProtocols: (offered: Set<string>, _req: IncomingMessage) => {
      offers.push([...offered]);
      return offered.has('ocpp1.6') ? 'ocpp1.6' : false;
    },
  });
  await new Promise((r) => wss.once('listening', r));
  t.after(() => new Promise((r) => wss.close(r)));
  const sockets: import('ws').WebSocket[] = [];
  wss.on('connection', (ws) => sockets.push(ws));
  const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/NEG-C`;
  const cp = await connect(url, undefined, undefined, { protocols: ['ocpp2.0.1', 'ocpp1.6'], automation: { reconnect: true } });
  try {
    assert.ok(cp instanceof Chargepoint);
    assert.deepEqual(offers, [['ocpp2.0.1', 'ocpp1.6']]);
    sockets[0]!.terminate(); // the CSMS drops the link: the station reconnects as what it is
    await until(() => offers.length === 2 && cp.connected, 'the reconnect', 15_000);
    assert.deepEqual(offers[1], ['ocpp1.6']);
  } finally {
    await cp.close();
  }
});

test('a CSMS that speaks none of the versions offered: one readable error, nothing left open', async (t) => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: () => false });
  await new Promise((r) => wss.once('listening', r));
  t.after(() => new Promise((r) => wss.close(r)));
  const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/NEG-D`;
  await assert.rejects(connect(url, undefined, undefined, { protocols: ['ocpp2.0.1', 'ocpp1.6'] }), /ocpp2\.0\.1, ocpp1\.6/);
  await assert.rejects(connect(url, undefined, undefined, { protocols: [] }), /at least one OCPP version/);
  await assert.rejects(connect(url, undefined, undefined, { protocols: ['ocpp2.1'] }), /unknown OCPP version "ocpp2\.1"/);
});
