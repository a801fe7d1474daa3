/**
 * OCTT 2.0.1 block K on a station with two EVSEs: a ChargingStationMaxProfile caps the SUM over
 * the EVSEs (K01), shared over those drawing power; GetCompositeSchedule for evseId 0 reports the
 * grid connection's total (K08); a profile with more than one chargingSchedule (ISO 15118 only).
 * Strict ocpp-rpc CSMS, virtual clock; the expected numbers are worked out by hand in the comments.
 * The station: 2 EVSEs of 22 000 W on 3 × 230 V (1 A = 690 W).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { charge, compositeOf, profile, set, withBench } from './smart-charging-201';

const TWO_EVSES = { profile: { evses: 2 } };

test('TC_K_03_CS / TC_K_41_CS ChargingStationMaxProfile caps the sum over the EVSEs: split evenly, the smaller demand met first, re-split when a transaction ends', async (t) => {
  const b = await withBench(t, TWO_EVSES);
  // 32 A = 22 080 W for the whole station.
  assert.equal(await set(b, 0, profile(b, 1, 'ChargingStationMaxProfile', 0, [[0, 32]])), 'Accepted');
  const tx1 = await charge(b, 1);
  // EVSE 1 draws alone: its 22 000 W fit under 22 080 W; idle EVSE 2 is offered the same (31.88 → 31.9 A).
  assert.deepEqual(await compositeOf(b, 1, 600, 'A'), [[0, 31.9]]);
  assert.deepEqual(await compositeOf(b, 2, 600, 'A'), [[0, 31.9]]);
  const from = b.calls.length;
  await charge(b, 2);
  // Both draw 22 000 W: 22 080 / 2 = 11 040 W = 16 A each.
  assert.deepEqual(await compositeOf(b, 1, 600, 'A'), [[0, 16]]);
  assert.deepEqual(await compositeOf(b, 2, 600, 'A'), [[0, 16]]);
  await b.waitFor('TransactionEvent', { from, match: (p) => p.triggerReason === 'ChargingRateChanged' && p.evse?.id === 1 });
  const [e1, e2] = [b.cs.station.mustEvse(1), b.cs.station.mustEvse(2)];
  assert.ok(e1.meter.powerW > 10_000 && e1.meter.powerW <= 11_040, `EVSE 1 at its share: ${e1.meter.powerW} W`);
  assert.ok(e2.meter.powerW > 10_000 && e2.meter.powerW <= 11_040, `EVSE 2 at its share: ${e2.meter.powerW} W`);
  // The grid connection: min(22 080, 22 000 + 22 000) = 22 080 W = 32 A.
  assert.deepEqual(await compositeOf(b, 0, 600, 'A'), [[0, 32]]);

  // EVSE 1's TxProfile: 6 A (4 140 W) for 300 s, then 20 A (13 800 W).
  assert.equal(await set(b, 1, profile(b, 2, 'TxProfile', 0, [[0, 6], [300, 20]], { transactionId: tx1 })), 'Accepted');
  // 0-300 s: EVSE 1 takes 4 140 W, EVSE 2 the rest: 22 080 - 4 140 = 17 940 W = 26 A.
  // from 300 s: 13 800 W each wanted, more than half → 11 040 W = 16 A each.
  assert.deepEqual(await compositeOf(b, 1, 600, 'A'), [[0, 6], [300, 16]]);
  assert.deepEqual(await compositeOf(b, 2, 600, 'A'), [[0, 26], [300, 16]]);
  // The total stays at the cap: min(22 080, 4 140 + 22 000) and min(22 080, 13 800 + 22 000).
  assert.deepEqual(await compositeOf(b, 0, 600, 'W'), [[0, 22080]]);
  assert.ok(e2.meter.powerW > 17_000 && e2.meter.powerW <= 17_940, `EVSE 2 takes what EVSE 1 leaves: ${e2.meter.powerW} W`);

  // EVSE 2 stops: EVSE 1 alone again, under its own profile only (13 800 W < 22 080 W).
  assert.equal(await b.cs.stopCharging(2), true);
  await b.waitFor('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' && p.evse?.id === 2 });
  assert.deepEqual(await compositeOf(b, 1, 600, 'A'), [[0, 6], [300, 20]]);
});

test('TC_K_39_CS GetCompositeSchedule evseId 0: the grid total, every EVSE\'s own limit added up and capped by the station maximum', async (t) => {
  const b = await withBench(t, TWO_EVSES);
  // Nothing installed: 2 × 22 000 W.
  assert.deepEqual(await compositeOf(b, 0, 300, 'W'), [[0, 44000]]);
  // TxDefaultProfile on evseId 0 = 10 A on each EVSE (K01.FR.14): 2 × 6 900 W = 13 800 W = 20 A.
  assert.equal(await set(b, 0, profile(b, 1, 'TxDefaultProfile', 0, [[0, 10]])), 'Accepted');
  assert.deepEqual(await compositeOf(b, 0, 300, 'A'), [[0, 20]]);
  assert.deepEqual(await compositeOf(b, 1, 300, 'A'), [[0, 10]]);
  // A station maximum of 16 A from 120 s on: the total is min(20 A, 16 A) from then.
  assert.equal(await set(b, 0, profile(b, 2, 'ChargingStationMaxProfile', 0, [[0, 40], [120, 16]])), 'Accepted');
  assert.deepEqual(await compositeOf(b, 0, 300, 'A'), [[0, 20], [120, 16]]);
  // No EVSE draws: each is offered min(own 10 A, the whole 16 A) = 10 A.
  assert.deepEqual(await compositeOf(b, 2, 300, 'A'), [[0, 10]]);
});

test('K01 chargingSchedule list: more than one schedule is for ISO 15118 schedule negotiation only, Rejected with the reason on a station without it', async (t) => {
  const b = await withBench(t);
  const two = profile(b, 1, 'TxDefaultProfile', 0, [[0, 16]]);
  two.chargingSchedule.push({ ...two.chargingSchedule[0], id: 2, chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 11000 }] });
  const answer = await b.call('SetChargingProfile', { evseId: 1, chargingProfile: two });
  assert.equal(answer.status, 'Rejected');
  assert.equal(answer.statusInfo.reasonCode, 'InvalidProfile');
  assert.match(answer.statusInfo.additionalInfo, /ISO 15118/);
  const txId = await charge(b, 1);
  const tx = profile(b, 2, 'TxProfile', 0, [[0, 16]], { transactionId: txId });
  tx.chargingSchedule.push({ ...tx.chargingSchedule[0], id: 3 });
  assert.equal((await b.call('SetChargingProfile', { evseId: 1, chargingProfile: tx })).status, 'Rejected', 'a TxProfile too: no ISO 15118 session to choose from');
  assert.equal((await b.call('GetChargingProfiles', { requestId: 1, chargingProfile: {} })).status, 'NoProfiles');
});
