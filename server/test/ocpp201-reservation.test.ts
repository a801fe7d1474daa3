/**
 * OCTT 2.0.1 station cases of block H (reservations) and TC_B_24_CS, driven from a strict
 * ocpp-rpc CSMS.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withBench201, type Bench201 } from './cs201-harness';

type Params = Record<string, any>;

const withBench = withBench201;

const token = (idToken: string) => ({ idToken, type: 'ISO14443' });
const inAnHour = (): string => new Date(Date.now() + 3_600_000).toISOString();
const reserve = (b: Bench201, id: number, extra: Params = {}): Promise<Params> => b.call('ReserveNow', { id, expiryDateTime: inAnHour(), idToken: token('A1'), ...extra });
const statuses = (b: Bench201, from: number): string[] => b.since(from, 'StatusNotification').map((c) => `${c.params.evseId}/${c.params.connectorId} ${c.params.connectorStatus}`);

test('TC_H_01_CS / TC_H_02_CS Reserve a specific EVSE: Reserved, the token charges with reservationId; another token is refused', async (t) => {
  const b = await withBench(t, { profile: { evses: 2 } });
  let from = b.calls.length;
  assert.deepEqual(await reserve(b, 11, { evseId: 1 }), { status: 'Accepted' });
  await b.waitFor('StatusNotification', { from });
  assert.deepEqual(statuses(b, from), ['1/1 Reserved']);
  assert.equal((await b.call('RequestStartTransaction', { idToken: token('B1'), remoteStartId: 1, evseId: 1 })).status, 'Rejected', 'TC_H_02');
  assert.equal((await b.cs.presentToken(1, 'B1')).status, 'NotAtThisLocation');
  from = b.calls.length;
  assert.ok(await b.cs.startCharging(1, 'A1'));
  const [started] = await b.waitFor('TransactionEvent', { from });
  assert.equal(started!.params.reservationId, 11);
});

test('TC_H_03_CS / TC_H_04_CS / TC_H_06_CS Reserve a specific EVSE: Occupied (reserved or in use), Unavailable', async (t) => {
  const b = await withBench(t, { profile: { evses: 3 } });
  assert.deepEqual(await reserve(b, 1, { evseId: 1 }), { status: 'Accepted' });
  assert.deepEqual(await reserve(b, 2, { evseId: 1 }), { status: 'Occupied' });
  await b.cs.startCharging(2, 'B1');
  assert.deepEqual(await reserve(b, 3, { evseId: 2 }), { status: 'Occupied' });
  await b.call('ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 3 } });
  assert.deepEqual(await reserve(b, 4, { evseId: 3 }), { status: 'Unavailable' });
});

test('TC_H_07_CS Reservation Ended / not used: Expired, the EVSE is Available again', async (t) => {
  const b = await withBench(t, { virtual: true });
  const from = b.calls.length;
  const expiry = new Date(b.clock!.now() + 60_000).toISOString();
  assert.deepEqual(await b.call('ReserveNow', { id: 5, expiryDateTime: expiry, idToken: token('A1'), evseId: 1 }), { status: 'Accepted' });
  await b.advance(61_000);
  const [update] = await b.waitFor('ReservationStatusUpdate', { from });
  assert.deepEqual(update!.params, { reservationId: 5, reservationUpdateStatus: 'Expired' });
  await b.waitFor('StatusNotification', { from, count: 2 });
  assert.deepEqual(statuses(b, from), ['1/1 Reserved', '1/1 Available']);
});

test('TC_H_08_CS / TC_H_09_CS / TC_H_14_CS Reserve an unspecified EVSE: held on the last free one, Occupied when none is left', async (t) => {
  const b = await withBench(t, { profile: { evses: 2 } });
  const from = b.calls.length;
  assert.deepEqual(await reserve(b, 21), { status: 'Accepted' });
  assert.deepEqual(await reserve(b, 22, { idToken: token('B1') }), { status: 'Accepted' });
  await b.waitFor('StatusNotification', { from, count: 2 });
  assert.deepEqual(statuses(b, from).sort(), ['1/1 Reserved', '2/1 Reserved'], 'TC_H_14: as many reservations as EVSEs');
  assert.deepEqual(await reserve(b, 23, { idToken: token('C1') }), { status: 'Occupied' }, 'TC_H_09');
});

test('TC_H_10_CS / TC_H_12_CS / TC_H_13_CS Reserve an unspecified EVSE: Occupied, Unavailable, Rejected without NonEvseSpecific', async (t) => {
  const b = await withBench(t);
  await b.cs.startCharging(1, 'B1');
  assert.deepEqual(await reserve(b, 31), { status: 'Occupied' });
  b.cs.stopCharging(1);
  await b.call('ChangeAvailability', { operationalStatus: 'Inoperative' });
  assert.deepEqual(await reserve(b, 32), { status: 'Unavailable' });
  const other = await withBench(t, { profile: { variables: { 'ReservationCtrlr.NonEvseSpecific': false } } });
  assert.deepEqual(await reserve(other, 33), { status: 'Rejected' });
});

test('TC_H_15_CS / TC_H_16_CS Reserve a connector with a specific type', async (t) => {
  const b = await withBench(t, { profile: { evses: [{ connectors: ['cType2'] }, { connectors: ['cCCS2'] }] } });
  const from = b.calls.length;
  assert.deepEqual(await reserve(b, 41, { connectorType: 'cCCS2' }), { status: 'Accepted' });
  await b.waitFor('StatusNotification', { from });
  assert.deepEqual(statuses(b, from), ['2/1 Reserved']);
  assert.deepEqual(await reserve(b, 42, { connectorType: 'cCCS2', idToken: token('B1') }), { status: 'Occupied' });
});

test('TC_H_17_CS / TC_H_18_CS Cancel reservation: Accepted, Available again; unknown id Rejected', async (t) => {
  const b = await withBench(t);
  const reserved = b.calls.length;
  await reserve(b, 51, { evseId: 1 });
  await b.waitFor('StatusNotification', { from: reserved });
  const from = b.calls.length;
  assert.deepEqual(await b.call('CancelReservation', { reservationId: 51 }), { status: 'Accepted' });
  await b.waitFor('StatusNotification', { from });
  assert.deepEqual(statuses(b, from), ['1/1 Available']);
  assert.deepEqual(await b.call('CancelReservation', { reservationId: 999 }), { status: 'Rejected' });
});

test('TC_H_19_CS Use a reserved EVSE with GroupId: a member of the group charges', async (t) => {
  const b = await withBench(t, { answers: { Authorize: (p) => ({ idTokenInfo: { status: 'Accepted', groupIdToken: token(p.idToken.idToken === 'B1' ? 'G1' : 'G9') } }) } });
  assert.deepEqual(await reserve(b, 61, { evseId: 1, groupIdToken: token('G1') }), { status: 'Accepted' });
  assert.equal((await b.cs.presentToken(1, 'C1')).status, 'NotAtThisLocation');
  assert.ok(await b.cs.startCharging(1, 'B1'));
});

test('TC_H_21_CS The station cancels a reservation when the EVSE becomes Unavailable (Removed)', async (t) => {
  const b = await withBench(t);
  await reserve(b, 71, { evseId: 1 });
  const from = b.calls.length;
  await b.call('ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 1 } });
  const [update] = await b.waitFor('ReservationStatusUpdate', { from });
  assert.deepEqual(update!.params, { reservationId: 71, reservationUpdateStatus: 'Removed' });
  await b.call('ChangeAvailability', { operationalStatus: 'Operative', evse: { id: 1 } });
  assert.deepEqual(await reserve(b, 72, { evseId: 1 }), { status: 'Accepted' });
});

test('TC_H_22_CS / TC_H_23_CS Reservations disabled are Rejected; the same id replaces a reservation', async (t) => {
  const b = await withBench(t, { profile: { evses: 2 } });
  const reserved = b.calls.length;
  assert.deepEqual(await reserve(b, 81, { evseId: 1 }), { status: 'Accepted' });
  await b.waitFor('StatusNotification', { from: reserved });
  const from = b.calls.length;
  assert.deepEqual(await reserve(b, 81, { evseId: 2 }), { status: 'Accepted' });
  await b.waitFor('StatusNotification', { from, count: 2 });
  assert.deepEqual(statuses(b, from).sort(), ['1/1 Available', '2/1 Reserved']);
  await b.call('SetVariables', { setVariableData: [{ component: { name: 'ReservationCtrlr' }, variable: { name: 'Enabled' }, attributeValue: 'false' }] });
  assert.deepEqual(await reserve(b, 82, { evseId: 1 }), { status: 'Rejected' });
});

test('TC_B_24_CS Reset Charging Station - Reserved persists reset', async (t) => {
  const b = await withBench(t);
  await reserve(b, 91, { evseId: 1 });
  const from = b.calls.length;
  assert.deepEqual(await b.call('Reset', { type: 'Immediate' }), { status: 'Accepted' });
  await b.waitFor('BootNotification', { from, ms: 5000 });
  const boot = b.calls.findIndex((c, i) => i >= from && c.action === 'BootNotification');
  await b.waitFor('StatusNotification', { from: boot });
  assert.deepEqual(statuses(b, boot), ['1/1 Reserved']);
});
