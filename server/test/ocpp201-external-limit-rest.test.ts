/**
 * External charging limits over REST on a server-mode 2.0.1 station (K12/K13): `PUT
 * /api/chargepoints/:id/external-limit` installs a ChargingStationExternalConstraints limit and the
 * strict ocpp-rpc CSMS receives NotifyChargingLimit; `DELETE` releases it with
 * ClearedChargingLimit; bad input is a 400 naming the field. Real sockets on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { webBeside201 } from './cs201-harness';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are checked field by field
type Json = any;

test('TC_K_52_CS / K13 external limit over REST: NotifyChargingLimit on set, the limit in the composite schedule, ClearedChargingLimit on release', async (t) => {
  const { csms, port } = await webBeside201(t);
  const api = async (method: string, route: string, body?: unknown): Promise<{ status: number; body: Json }> => {
    const res = await fetch(`http://127.0.0.1:${port}/api${route}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  assert.equal((await api('POST', '/chargepoints', { id: 'EXT201', url: csms.url, protocol: '2.0.1', connect: true })).status, 201);
  assert.equal((await api('POST', '/chargepoints', { id: 'EXT16', url: 'ws://127.0.0.1:9/' })).status, 201);

  const from = csms.calls.length;
  // 6 900 W = 10 A on 3 × 230 V, on EVSE 1, from the grid operator.
  const set = await api('PUT', '/chargepoints/EXT201/external-limit', { evseId: 1, limit: 6900, source: 'SO', isGridCritical: true });
  assert.deepEqual(set, { status: 200, body: { status: 'Accepted' } });
  const [notified] = await csms.waitFor('NotifyChargingLimit', { from });
  assert.deepEqual(notified!.params, { chargingLimit: { chargingLimitSource: 'SO', isGridCritical: true }, evseId: 1 });
  const composite: Json = await (await csms.csms.client()).call('GetCompositeSchedule', { evseId: 1, duration: 60, chargingRateUnit: 'A' });
  assert.deepEqual(composite.schedule.chargingSchedulePeriod, [{ startPeriod: 0, limit: 10 }]);
  const state = await api('GET', '/chargepoints/EXT201/station');
  assert.equal(state.body.limits.curves.find((c: Json) => c.evseId === 1).periods[0].limit, 6900, 'the Station tab sees it too');

  const released = await api('DELETE', '/chargepoints/EXT201/external-limit?evseId=1&source=SO');
  assert.equal(released.status, 204);
  const [cleared] = await csms.waitFor('ClearedChargingLimit', { from });
  assert.deepEqual(cleared!.params, { chargingLimitSource: 'SO', evseId: 1 });
  assert.equal((await api('DELETE', '/chargepoints/EXT201/external-limit?evseId=1&source=SO')).status, 404, 'nothing left to release');

  // Bad input: one readable line each, nothing sent.
  const before = csms.calls.length;
  for (const [body, field] of [[{ limit: -1 }, /limit/], [{ limit: 10, unit: 'kW' }, /unit/], [{ limit: 10, evseId: 9 }, /evseId/], [{ limit: 10, source: 'CSO' }, /source/], [{ limit: 10, isGridCritical: 'yes' }, /isGridCritical/]] as const) {
    const bad = await api('PUT', '/chargepoints/EXT201/external-limit', body);
    assert.equal(bad.status, 400, JSON.stringify(body));
    assert.match(bad.body.error, field);
  }
  assert.equal((await api('PUT', '/chargepoints/EXT16/external-limit', { limit: 10 })).status, 400, 'a 1.6 charge point');
  assert.equal((await api('PUT', '/chargepoints/NOPE/external-limit', { limit: 10 })).status, 404);
  // ExternalControlSignalsEnabled off: the station refuses external limits (409 with the reason).
  await api('PUT', '/chargepoints/EXT201/variables', { component: { name: 'SmartChargingCtrlr' }, variable: { name: 'ExternalControlSignalsEnabled' }, value: 'false' });
  const refused = await api('PUT', '/chargepoints/EXT201/external-limit', { limit: 10 });
  assert.equal(refused.status, 409);
  assert.match(refused.body.reason, /ExternalControlSignalsEnabled/);
  await csms.settle(50);
  assert.equal(csms.since(before, 'NotifyChargingLimit').length, 0);
  assert.deepEqual(csms.failures, []);
});
