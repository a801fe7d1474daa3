/**
 * OCTT 2.0.1 station cases of block K, SmartCharging (SetChargingProfile K01, RequestStart with a
 * profile K05, GetCompositeSchedule K08, GetChargingProfiles K09, ClearChargingProfile K10,
 * external limits K12/K13), driven from a strict ocpp-rpc CSMS on a virtual clock. Composite
 * schedules are checked against numbers worked out by hand (the arithmetic is in the comments).
 * The station: 1 or 2 EVSEs of 22 000 W on 3 × 230 V.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ChargingStation } from '../src/charging-station/charging-station';
import { withBench201 } from './cs201-harness';
import { charge, clear, compositeOf, iso, now, profile, reported, set, withBench } from './smart-charging-201';

test('TC_K_01_CS / TC_K_30_CS TxDefaultProfile on one EVSE: Accepted, reported for that EVSE by GetChargingProfiles', async (t) => {
  const b = await withBench(t, { profile: { evses: 2 } });
  assert.equal(await set(b, 1, profile(b, 1, 'TxDefaultProfile', 0, [[0, 16]])), 'Accepted');
  const { profiles, reports } = await reported(b, { evseId: 1 });
  assert.deepEqual(profiles, ['1/CSO/1']);
  assert.equal(reports[0]!.chargingProfile[0].chargingSchedule[0].chargingSchedulePeriod[0].limit, 16);
  assert.equal((await reported(b, { evseId: 2 })).status, 'NoProfiles');
  const got = await b.call('GetVariables', { getVariableData: [{ component: { name: 'SmartChargingCtrlr' }, variable: { name: 'Entries', instance: 'ChargingProfiles' } }] });
  assert.equal(got.getVariableResult[0].attributeValue, '1');
});

test('TC_K_02_CS / TC_K_11_CS / TC_K_14_CS / TC_K_16_CS TxProfile without a transaction, on evseId 0, for an unknown transaction; unknown EVSE; external constraints from the CSMS: Rejected with a reason', async (t) => {
  const b = await withBench(t);
  assert.equal(await set(b, 1, profile(b, 1, 'TxProfile', 0, [[0, 6]], { transactionId: 'none' })), 'Rejected', 'TC_K_02: no transaction');
  const txId = await charge(b);
  assert.equal(await set(b, 0, profile(b, 2, 'TxProfile', 0, [[0, 6]], { transactionId: txId })), 'Rejected', 'TC_K_11: evseId 0');
  const answer = await b.call('SetChargingProfile', { evseId: 1, chargingProfile: profile(b, 3, 'TxProfile', 0, [[0, 6]], { transactionId: 'not-this-one' }) });
  assert.equal(answer.status, 'Rejected', 'TC_K_16: unknown transactionId');
  assert.equal(answer.statusInfo.reasonCode, 'InvalidProfile');
  assert.equal(await set(b, 2, profile(b, 4, 'TxDefaultProfile', 0, [[0, 6]])), 'Rejected', 'TC_K_14: EVSE 2 does not exist');
  assert.equal(await set(b, 0, profile(b, 5, 'ChargingStationExternalConstraints', 0, [[0, 6]])), 'Rejected', 'K01.FR.22');
  assert.equal(await set(b, 1, profile(b, 6, 'ChargingStationMaxProfile', 0, [[0, 6]])), 'Rejected', 'max profile only on evseId 0');
  assert.equal(await set(b, 1, profile(b, 7, 'TxDefaultProfile', 0, [[10, 6]])), 'Rejected', 'first period must start at 0');
  assert.equal((await reported(b)).status, 'NoProfiles');
});

test('TC_K_03_CS / TC_K_29_CS ChargingStationMaxProfile on evseId 0: Accepted, reported for evseId 0 only', async (t) => {
  const b = await withBench(t);
  assert.equal(await set(b, 0, profile(b, 1, 'ChargingStationMaxProfile', 0, [[0, 11040]], {}, { chargingRateUnit: 'W' })), 'Accepted');
  assert.equal(await set(b, 1, profile(b, 2, 'TxDefaultProfile', 0, [[0, 16]])), 'Accepted');
  assert.deepEqual((await reported(b, { evseId: 0 })).profiles, ['0/CSO/1']);
});

test('TC_K_04_CS replace a profile by chargingProfileId; same purpose and stackLevel under another id is Rejected', async (t) => {
  const b = await withBench(t);
  await set(b, 1, profile(b, 5, 'TxDefaultProfile', 0, [[0, 16]]));
  assert.equal(await set(b, 1, profile(b, 5, 'TxDefaultProfile', 1, [[0, 10]])), 'Accepted');
  const { profiles, reports } = await reported(b, { chargingProfile: { chargingProfileId: [5] } });
  assert.deepEqual(profiles, ['1/CSO/5']);
  assert.equal(reports[0]!.chargingProfile[0].stackLevel, 1);
  assert.equal(await set(b, 1, profile(b, 6, 'TxDefaultProfile', 1, [[0, 8]])), 'Rejected');
  // Validity periods that do not overlap may share purpose and stackLevel.
  const later = { validFrom: iso(now(b) + 3_600_000) };
  assert.equal(await set(b, 1, profile(b, 7, 'TxDefaultProfile', 2, [[0, 8]], { validTo: later.validFrom })), 'Accepted');
  assert.equal(await set(b, 1, profile(b, 8, 'TxDefaultProfile', 2, [[0, 12]], later)), 'Accepted');
});

test('TC_K_05_CS / TC_K_06_CS / TC_K_07_CS / TC_K_08_CS / TC_K_24_CS Clear Charging Profile by id, by purpose + stackLevel (on several EVSEs), unknown and none installed', async (t) => {
  const b = await withBench(t, { profile: { evses: 2 } });
  assert.equal(await clear(b, { chargingProfileId: 1 }), 'Unknown', 'TC_K_08: nothing installed');
  await set(b, 1, profile(b, 1, 'TxDefaultProfile', 0, [[0, 16]]));
  await set(b, 1, profile(b, 2, 'TxDefaultProfile', 1, [[0, 10]]));
  await set(b, 2, profile(b, 3, 'TxDefaultProfile', 1, [[0, 10]]));
  assert.equal(await clear(b, { chargingProfileId: 1 }), 'Accepted', 'TC_K_05');
  assert.equal((await reported(b, { chargingProfile: { chargingProfileId: [1] } })).status, 'NoProfiles');
  assert.equal(await clear(b, { chargingProfileCriteria: { chargingProfilePurpose: 'TxDefaultProfile', stackLevel: 7 } }), 'Unknown', 'TC_K_07');
  assert.equal(await clear(b, { chargingProfileCriteria: { evseId: 1, chargingProfilePurpose: 'TxDefaultProfile', stackLevel: 1 } }), 'Accepted', 'TC_K_06');
  assert.deepEqual((await reported(b)).profiles, ['2/CSO/3']);
  await set(b, 1, profile(b, 4, 'TxDefaultProfile', 1, [[0, 10]]));
  assert.equal(await clear(b, { chargingProfileCriteria: { chargingProfilePurpose: 'TxDefaultProfile', stackLevel: 1 } }), 'Accepted', 'TC_K_24: both EVSEs');
  assert.equal((await reported(b)).status, 'NoProfiles');
});

test('TC_K_09_CS / TC_K_28_CS TxDefaultProfile set and cleared during a transaction: composite, meter and ChargingRateChanged follow', async (t) => {
  const b = await withBench(t);
  await charge(b);
  const e = b.cs.station.mustEvse(1);
  assert.ok(e.meter.powerW > 20_000, 'unlimited: about 22 kW');
  const from = b.calls.length;
  assert.equal(await set(b, 1, profile(b, 1, 'TxDefaultProfile', 0, [[0, 10]])), 'Accepted');
  // 10 A × 230 V × 3 phases = 6900 W.
  assert.deepEqual(await compositeOf(b, 1, 600, 'W'), [[0, 6900]]);
  const [rate] = await b.waitFor('TransactionEvent', { from, match: (p) => p.triggerReason === 'ChargingRateChanged' });
  assert.equal(rate!.params.eventType, 'Updated');
  assert.ok(e.meter.powerW <= 6900 && e.meter.powerW > 6000, `the meter obeys the limit: ${e.meter.powerW} W`);
  const cleared = b.calls.length;
  assert.equal(await clear(b, { chargingProfileId: 1 }), 'Accepted');
  // No limit: the EVSE's 22 000 W.
  assert.deepEqual(await compositeOf(b, 1, 600, 'W'), [[0, 22000]]);
  await b.waitFor('TransactionEvent', { from: cleared, match: (p) => p.triggerReason === 'ChargingRateChanged' });
  assert.ok(e.meter.powerW > 20_000);
});

test('TC_K_10_CS TxDefaultProfile on evseId 0 applies to every EVSE', async (t) => {
  const b = await withBench(t, { profile: { evses: 2 } });
  assert.equal(await set(b, 0, profile(b, 1, 'TxDefaultProfile', 0, [[0, 16]])), 'Accepted');
  assert.deepEqual(await compositeOf(b, 1, 60, 'A'), [[0, 16]]);
  assert.deepEqual(await compositeOf(b, 2, 60, 'A'), [[0, 16]]);
  // An EVSE's own profile beats the station's at the same stackLevel.
  await set(b, 2, profile(b, 2, 'TxDefaultProfile', 0, [[0, 12]]));
  assert.deepEqual(await compositeOf(b, 2, 60, 'A'), [[0, 12]]);
});

test('TC_K_12_CS / TC_K_42_CS a station supporting only A: a W profile and a W composite schedule are Rejected', async (t) => {
  const b = await withBench(t, { profile: { variables: { 'SmartChargingCtrlr.RateUnit': 'A' } } });
  assert.equal(await set(b, 1, profile(b, 1, 'TxDefaultProfile', 0, [[0, 11000]], {}, { chargingRateUnit: 'W' })), 'Rejected');
  assert.equal((await b.call('GetCompositeSchedule', { evseId: 1, duration: 60, chargingRateUnit: 'W' })).status, 'Rejected');
  assert.equal((await b.call('GetCompositeSchedule', { evseId: 1, duration: 60, chargingRateUnit: 'A' })).status, 'Accepted');
});

test('TC_K_13_CS profiles persist over a restart of the simulator (--state-dir)', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cs201-k13-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const b = await withBench201(t, { stateDir: dir });
  await set(b, 0, profile(b, 1, 'ChargingStationMaxProfile', 0, [[0, 11040]], {}, { chargingRateUnit: 'W' }));
  await b.cs.close();
  const again = new ChargingStation(`${b.url}CS1`, 'CS1', { boot: 'auto', stateDir: dir });
  t.after(() => again.close());
  await again.connect();
  const client = await b.csms.client();
  assert.deepEqual(await client.call('GetChargingProfiles', { requestId: 1, evseId: 0, chargingProfile: {} }), { status: 'Accepted' });
  assert.deepEqual(again.smartCharging.profiles.list().map((e) => e.profile.id), [1]);
});

test('TC_K_15_CS / TC_K_38_CS smart charging switched off: SetChargingProfile is a CALLERROR NotSupported, a remote start ignores its profile', async (t) => {
  const b = await withBench(t);
  await b.call('SetVariables', { setVariableData: [{ component: { name: 'SmartChargingCtrlr' }, variable: { name: 'Enabled' }, attributeValue: 'false' }] });
  await assert.rejects(b.call('SetChargingProfile', { evseId: 1, chargingProfile: profile(b, 1, 'TxDefaultProfile', 0, [[0, 6]]) }), (err: Error & { rpcErrorCode?: string }) => err.rpcErrorCode === 'NotSupported');
  const from = b.calls.length;
  const answer = await b.call('RequestStartTransaction', { idToken: { idToken: 'R1', type: 'ISO14443' }, remoteStartId: 3, evseId: 1, chargingProfile: profile(b, 2, 'TxProfile', 0, [[0, 6]]) });
  assert.equal(answer.status, 'Accepted');
  await b.waitFor('TransactionEvent', { from, match: (p) => p.transactionInfo.chargingState === 'Charging' });
  assert.deepEqual(b.cs.smartCharging.profiles.list(), []);
});

test('TC_K_19_CS / TC_K_21_CS / TC_K_22_CS / TC_K_23_CS Recurring, validFrom, validTo and a later startSchedule shape the composite schedule', async (t) => {
  const b = await withBench(t);
  const t0 = now(b);
  // Daily, started 1 h ago, 2 h long: 0-1 h → 10 A, 1-2 h → 20 A. Now is 1 h in: 20 A for 3600 s, then no
  // limit (22000 W / (230 V × 3) = 31.9 A) until the next day's run at 86400 − 3600 = 82800 s: 10 A again.
  const daily = profile(b, 1, 'TxDefaultProfile', 0, [[0, 10], [3600, 20]], { chargingProfileKind: 'Recurring', recurrencyKind: 'Daily' }, { startSchedule: iso(t0 - 3_600_000), duration: 7200 });
  assert.equal(await set(b, 1, daily), 'Accepted', 'TC_K_19');
  assert.deepEqual(await compositeOf(b, 1, 86_400, 'A'), [[0, 20], [3600, 31.9], [86_400 - 3600, 10]]);
  await clear(b, {});
  // validFrom in 600 s, validTo in 1200 s: 31.9 A, then 8 A, then 31.9 A again.
  await set(b, 1, profile(b, 2, 'TxDefaultProfile', 0, [[0, 8]], { validFrom: iso(t0 + 600_000), validTo: iso(t0 + 1_200_000) }));
  assert.deepEqual(await compositeOf(b, 1, 1800, 'A'), [[0, 31.9], [600, 8], [1200, 31.9]], 'TC_K_21 / TC_K_22');
  await clear(b, {});
  // Absolute from 300 s on: 12 A.
  await set(b, 1, profile(b, 3, 'TxDefaultProfile', 0, [[0, 12]], {}, { startSchedule: iso(t0 + 300_000) }));
  assert.deepEqual(await compositeOf(b, 1, 900, 'A'), [[0, 31.9], [300, 12]], 'TC_K_23');
});

test('TC_K_31_CS / TC_K_32_CS / TC_K_33_CS / TC_K_34_CS / TC_K_35_CS / TC_K_36_CS Get Charging Profile: no evseId, by id, EVSE + stackLevel, + chargingLimitSource, + purpose, + purpose + stackLevel', async (t) => {
  const b = await withBench(t, { profile: { evses: 2 } });
  await set(b, 0, profile(b, 1, 'ChargingStationMaxProfile', 0, [[0, 30]]));
  await set(b, 1, profile(b, 2, 'TxDefaultProfile', 0, [[0, 16]]));
  await set(b, 1, profile(b, 3, 'TxDefaultProfile', 2, [[0, 10]]));
  await set(b, 2, profile(b, 4, 'TxDefaultProfile', 2, [[0, 10]]));
  assert.deepEqual((await reported(b)).profiles.sort(), ['0/CSO/1', '1/CSO/2', '1/CSO/3', '2/CSO/4'], 'TC_K_31');
  assert.deepEqual((await reported(b, { chargingProfile: { chargingProfileId: [3, 4] } })).profiles.sort(), ['1/CSO/3', '2/CSO/4'], 'TC_K_32');
  assert.deepEqual((await reported(b, { evseId: 1, chargingProfile: { stackLevel: 2 } })).profiles, ['1/CSO/3'], 'TC_K_33');
  assert.deepEqual((await reported(b, { evseId: 1, chargingProfile: { chargingLimitSource: ['CSO'] } })).profiles, ['1/CSO/2', '1/CSO/3'], 'TC_K_34');
  assert.equal((await reported(b, { evseId: 1, chargingProfile: { chargingLimitSource: ['EMS'] } })).status, 'NoProfiles', 'TC_K_34: other source');
  assert.deepEqual((await reported(b, { evseId: 1, chargingProfile: { chargingProfilePurpose: 'TxDefaultProfile' } })).profiles, ['1/CSO/2', '1/CSO/3'], 'TC_K_35');
  assert.deepEqual((await reported(b, { evseId: 1, chargingProfile: { chargingProfilePurpose: 'TxDefaultProfile', stackLevel: 0 } })).profiles, ['1/CSO/2'], 'TC_K_36');
  // Several EVSEs: one report per EVSE, tbc on all but the last.
  assert.deepEqual((await reported(b)).reports.map((r) => r.tbc), [true, true, false]);
});

test('TC_K_60_CS TxProfile for the ongoing transaction: Accepted, reported, gone when the transaction ends', async (t) => {
  const b = await withBench(t);
  const txId = await charge(b);
  assert.equal(await set(b, 1, profile(b, 1, 'TxProfile', 0, [[0, 6]], { transactionId: txId })), 'Accepted');
  const { reports } = await reported(b, { evseId: 1 });
  assert.equal(reports[0]!.chargingProfile[0].transactionId, txId);
  assert.deepEqual(await compositeOf(b, 1, 60, 'A'), [[0, 6]]);
  b.cs.stopCharging(1);
  await b.waitFor('TransactionEvent', { match: (p) => p.eventType === 'Ended' });
  assert.equal((await reported(b)).status, 'NoProfiles');
});

test('TC_K_37_CS RequestStartTransaction with a TxProfile: Accepted, the profile is bound to the new transaction', async (t) => {
  const b = await withBench(t);
  const from = b.calls.length;
  const p = profile(b, 8, 'TxProfile', 0, [[0, 10]]);
  assert.equal((await b.call('RequestStartTransaction', { idToken: { idToken: 'R1', type: 'ISO14443' }, remoteStartId: 4, evseId: 1, chargingProfile: p })).status, 'Accepted');
  const [started] = await b.waitFor('TransactionEvent', { from, match: (q) => q.eventType === 'Started' });
  const { reports } = await reported(b, { evseId: 1 });
  assert.equal(reports[0]!.chargingProfile[0].transactionId, started!.params.transactionInfo.transactionId);
  await b.waitFor('TransactionEvent', { from, match: (q) => q.transactionInfo.chargingState === 'Charging' });
  assert.ok(b.cs.station.mustEvse(1).meter.powerW <= 6900, '10 A × 230 V × 3 = 6900 W at most');
  const wrong = profile(b, 9, 'TxDefaultProfile', 0, [[0, 10]]);
  assert.equal((await b.call('RequestStartTransaction', { idToken: { idToken: 'R2', type: 'ISO14443' }, remoteStartId: 5, chargingProfile: wrong })).status, 'Rejected');
});

test('TC_K_39_CS / TC_K_47_CS composite schedule without profiles (station and EVSE), unknown EVSE Rejected', async (t) => {
  const b = await withBench(t, { profile: { evses: 2 } });
  // evseId 0 = the grid connection: 2 × 22 000 W = 44 000 W; in A: 44000 / (230 × 3) = 63.77 → 63.8.
  assert.deepEqual(await compositeOf(b, 0, 300, 'W'), [[0, 44000]]);
  assert.deepEqual(await compositeOf(b, 0, 300, 'A'), [[0, 63.8]]);
  assert.deepEqual(await compositeOf(b, 1, 300, 'A'), [[0, 31.9]]);
  assert.equal((await b.call('GetCompositeSchedule', { evseId: 3, duration: 300 })).status, 'Rejected');
});

test('TC_K_40_CS stacked TxDefaultProfiles: the highest stackLevel with a period in force wins, period by period', async (t) => {
  const b = await withBench(t);
  await set(b, 1, profile(b, 1, 'TxDefaultProfile', 0, [[0, 16]]));
  await set(b, 1, profile(b, 2, 'TxDefaultProfile', 1, [[0, 10], [300, 20]], {}, { duration: 600 }));
  // 0-300 s: level 1 → 10 A; 300-600 s: level 1 → 20 A; from 600 s level 1 has ended → level 0: 16 A.
  assert.deepEqual(await compositeOf(b, 1, 900, 'A'), [[0, 10], [300, 20], [600, 16]]);
  // In W (× 230 V × 3 phases): 10 A = 6900 W, 20 A = 13 800 W, 16 A = 11 040 W.
  assert.deepEqual(await compositeOf(b, 1, 900, 'W'), [[0, 6900], [300, 13800], [600, 11040]]);
});

test('TC_K_41_CS combining purposes: the TxProfile replaces the TxDefaultProfile, the station maximum caps both; the meter follows period changes', async (t) => {
  const b = await withBench(t);
  const txId = await charge(b);
  await set(b, 0, profile(b, 1, 'ChargingStationMaxProfile', 0, [[0, 11040]], {}, { chargingRateUnit: 'W' }));
  await set(b, 1, profile(b, 2, 'TxDefaultProfile', 0, [[0, 12]]));
  await set(b, 1, profile(b, 3, 'TxProfile', 0, [[0, 8], [120, 25]], { transactionId: txId }, { duration: 300 }));
  // 0-120 s: Tx 8 A (5520 W) under the cap of 11 040 W (= 16 A) → 8 A.
  // 120-300 s: Tx 25 A (17 250 W) above the cap → 11 040 W = 16 A.
  // from 300 s the TxProfile has ended: TxDefault 12 A (8280 W) under the cap → 12 A.
  assert.deepEqual(await compositeOf(b, 1, 600, 'A'), [[0, 8], [120, 16], [300, 12]]);
  const e = b.cs.station.mustEvse(1);
  assert.ok(e.meter.powerW <= 5520, `8 A: ${e.meter.powerW} W`);
  const from = b.calls.length;
  await b.advance(121_000);
  await b.waitFor('TransactionEvent', { from, match: (p) => p.triggerReason === 'ChargingRateChanged' });
  assert.ok(e.meter.powerW > 10_000 && e.meter.powerW <= 11_040, `capped at 11 040 W: ${e.meter.powerW} W`);
});

test('TC_K_52_CS external limit (EMS): NotifyChargingLimit, reported as ChargingStationExternalConstraints, LimitChangeSignificance, ClearedChargingLimit', async (t) => {
  const b = await withBench(t);
  const from = b.calls.length;
  assert.equal(b.cs.smartCharging.setExternalLimit(0, 6900, 'W', 'EMS').status, 'Accepted');
  const [n] = await b.waitFor('NotifyChargingLimit', { from });
  assert.deepEqual(n!.params, { chargingLimit: { chargingLimitSource: 'EMS' } });
  const { reports } = await reported(b, { chargingProfile: { chargingLimitSource: ['EMS'] } });
  assert.equal(reports[0]!.chargingProfile[0].chargingProfilePurpose, 'ChargingStationExternalConstraints');
  assert.equal(reports[0]!.evseId, 0);
  assert.deepEqual(await compositeOf(b, 1, 60, 'W'), [[0, 6900]]);
  assert.equal(await clear(b, {}), 'Unknown', 'the CSMS cannot clear an external limit');
  // 6900 → 6930 W is 0.4 %, below LimitChangeSignificance (1 %): no new notification; 6900 → 8000 W is.
  b.cs.smartCharging.setExternalLimit(0, 6930);
  b.cs.smartCharging.setExternalLimit(0, 8000);
  await b.waitFor('NotifyChargingLimit', { from, count: 2 });
  await b.settle(20);
  assert.equal(b.since(from, 'NotifyChargingLimit').length, 2);
  assert.equal(b.cs.smartCharging.clearExternalLimit(0), true);
  const [cleared] = await b.waitFor('ClearedChargingLimit', { from });
  assert.deepEqual(cleared!.params, { chargingLimitSource: 'EMS' });
  assert.deepEqual(await compositeOf(b, 1, 60, 'W'), [[0, 22000]]);
});
