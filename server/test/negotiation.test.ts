/**
 * Choosing the OCPP version per connection by the WebSocket subprotocol (2.0.1 Part 4 §3.1.2,
 * OCPP-J 1.6 §3.1.2), on real sockets: one mock CSMS port serving 2.0.1 and 1.6, the server's
 * order of preference deciding, a client offering none of them refused with one line, and our
 * client refused by a server that speaks none of its versions, without retrying.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import WebSocket from 'ws';
import { Chargepoint } from '../src/chargepoint/chargepoint';
import { connect } from '../src/chargepoint/connect';
import { MockCsms, type ConnectedStation } from '../src/csms/mock-csms';
import { OcppConnectionError } from '../src/ocpp/errors';
import { parseSubprotocol, parseSubprotocols, protocolBySubprotocol, SUPPORTED_SUBPROTOCOLS } from '../src/ocpp/protocols';
import { VirtualScheduler } from '../src/ocpp/scheduler';
import { ocpp16 } from '../src/ocpp/v16/protocol';
import { ocpp201 } from '../src/ocpp/v201/protocol';
import { openSocket } from '../src/transport/client';
import { freePort, waitUntil } from './helpers';

/** A mock CSMS on a free port, closed after the test; records connections and refusals. */
async function csmsServing(t: TestContext, protocols: string[]): Promise<{ csms: MockCsms; connected: ConnectedStation[]; refused: string[] }> {
  const csms = new MockCsms({ port: 0, protocols });
  const connected: ConnectedStation[] = [];
  const refused: string[] = [];
  csms.on('connect', (s: ConnectedStation) => connected.push(s));
  csms.on('refused', (_id: string, reason: string) => refused.push(reason));
  await csms.listen();
  t.after(() => csms.close());
  return { csms, connected, refused };
}

test('version names: 2.0.1 / ocpp2.0.1 / 1.6 / ocpp1.6, and one readable line for anything else', () => {
  assert.deepEqual(SUPPORTED_SUBPROTOCOLS, ['ocpp2.0.1', 'ocpp1.6']);
  assert.deepEqual(['2.0.1', 'OCPP2.0.1', ' 1.6 ', 'ocpp1.6'].map(parseSubprotocol), ['ocpp2.0.1', 'ocpp2.0.1', 'ocpp1.6', 'ocpp1.6']);
  assert.deepEqual(parseSubprotocols('ocpp2.0.1, 1.6,2.0.1'), ['ocpp2.0.1', 'ocpp1.6']);
  assert.throws(() => parseSubprotocol('2.1'), { name: 'RangeError', message: 'unknown OCPP version "2.1": use 2.0.1 (ocpp2.0.1) or 1.6 (ocpp1.6)' });
  assert.throws(() => parseSubprotocols(' , '), /no OCPP version given/);
  assert.equal(protocolBySubprotocol('ocpp1.6'), ocpp16);
  assert.throws(() => protocolBySubprotocol('ocpp2.1'), /unsupported OCPP subprotocol "ocpp2.1" \(supported: ocpp2.0.1, ocpp1.6\)/);
  assert.throws(() => new MockCsms({ protocols: ['ocpp1.5'] }), /unknown OCPP version "ocpp1.5"/);
});

test('one port, both versions: a client offering ocpp2.0.1, ocpp1.6 gets 2.0.1; a 1.6-only charge point gets 1.6', async (t) => {
  const { csms, connected, refused } = await csmsServing(t, ['ocpp2.0.1', 'ocpp1.6']);
  const ws = await openSocket(new URL(`${csms.url}CS201`), { protocols: ['ocpp2.0.1', 'ocpp1.6'] });
  t.after(() => ws.terminate());
  assert.equal(ws.protocol, 'ocpp2.0.1');
  const cp = await connect(`${csms.url}CP16`, undefined, undefined, { boot: 'auto' });
  t.after(() => cp.close());
  assert.equal(cp.station.bootState, 'Accepted');
  await waitUntil('both connections', () => connected.length === 2);
  const byId = new Map(connected.map((s) => [s.id, s]));
  assert.equal(byId.get('CS201')!.protocol, ocpp201);
  assert.equal(byId.get('CS201')!.endpoint.protocol, ocpp201);
  assert.equal(byId.get('CP16')!.protocol, ocpp16);
  assert.deepEqual(refused, []);
});

test("the server's order of preference decides: serving 1.6 first, a client offering ocpp2.0.1, ocpp1.6 gets 1.6", async (t) => {
  const { csms, connected } = await csmsServing(t, ['1.6', '2.0.1']);
  const ws = await openSocket(new URL(`${csms.url}CS1`), { protocols: ['ocpp2.0.1', 'ocpp1.6'] });
  t.after(() => ws.terminate());
  assert.equal(ws.protocol, 'ocpp1.6');
  await waitUntil('the connection', () => connected.length === 1);
  assert.equal(connected[0]!.protocol, ocpp16);
});

test('a client offering none of the served versions, or none at all, is refused with one line each (handshake, then close 1002)', async (t) => {
  const { csms, connected, refused } = await csmsServing(t, ['ocpp2.0.1', 'ocpp1.6']);
  const offering21 = new WebSocket(`${csms.url}CP1`, ['ocpp2.1']);
  const error = await new Promise<Error>((resolve) => offering21.once('error', resolve));
  assert.match(error.message, /Server sent no subprotocol/);
  // No Sec-WebSocket-Protocol at all: the handshake completes without one, then close 1002.
  const offeringNothing = new WebSocket(`${csms.url}CP2`);
  const [code] = await new Promise<[number]>((resolve) => offeringNothing.once('close', (c) => resolve([c])));
  assert.equal(code, 1002);
  assert.deepEqual(refused, ['CP1: offered "ocpp2.1" (served: ocpp2.0.1, ocpp1.6)', 'CP2: offered no subprotocol (served: ocpp2.0.1, ocpp1.6)']);
  assert.deepEqual(connected, []);
  assert.equal(csms.stations.size, 0);
});

test('our client offering only 2.0.1 to a 1.6-only server: one NoSubprotocol error, and a charge point does not retry', async (t) => {
  const { csms, refused } = await csmsServing(t, ['ocpp1.6']);
  const err = await openSocket(new URL(`${csms.url}CS1`), { protocols: ['ocpp2.0.1'] }).then(
    () => assert.fail('should be refused'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof OcppConnectionError);
  assert.equal(err.code, 'NoSubprotocol');
  assert.equal(err.description, `${csms.url}CS1 accepted no subprotocol of those offered (ocpp2.0.1): it does not speak this OCPP version`);
  // A charge point with automatic reconnect gives up after the one refusal: no retry is scheduled,
  // where an unreachable CSMS would get one.
  const attempt = async (url: string, id: string): Promise<{ retries: number; warnings: string[] }> => {
    const scheduler = new VirtualScheduler();
    const cp = new Chargepoint(`${url}${id}`, id, { protocol: { ...ocpp16, subprotocol: 'ocpp2.0.1' }, scheduler });
    t.after(() => cp.close());
    const warnings: string[] = [];
    cp.on('warning', (w: string) => warnings.push(w));
    const timers = scheduler.entries;
    assert.equal(await cp.lifecycle.connectNow(), false);
    return { retries: scheduler.entries - timers, warnings: warnings.filter((w) => w.startsWith('connect failed')) };
  };
  assert.deepEqual(await attempt(csms.url, 'CS2'), {
    retries: 0,
    warnings: [`connect failed: NoSubprotocol: ${csms.url}CS2 accepted no subprotocol of those offered (ocpp2.0.1): it does not speak this OCPP version; not retrying`],
  });
  assert.equal(refused.filter((r) => r.startsWith('CS2:')).length, 1, refused.join('\n'));
  const unreachable = `ws://127.0.0.1:${await freePort()}/`;
  assert.equal((await attempt(unreachable, 'CS3')).retries, 1);
});
