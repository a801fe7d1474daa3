/** Smart Charging (OCPP 1.6 §3.13): profile rules and composite schedules, after the OCTT cases where they exist. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type ChargingLimits,
  type ChargingProfile,
  ChargingProfiles,
  type CompositeSchedule,
  type ElectricalSpec,
  type TransactionInfo,
} from '../src/chargepoint/model/charging-profiles';

const T0 = Date.parse('2024-05-01T12:00:00.000Z');
const S = 1000;
const iso = (ms: number): string => new Date(ms).toISOString();
/** 3 × 230 V × 32 A. */
const ELEC: ElectricalSpec = { voltage: 230, phases: 3, maxPowerW: 22080 };
const LIMITS: ChargingLimits = { maxStackLevel: 8, maxProfiles: 10, maxPeriods: 5, allowedUnits: ['A', 'W'] };
const TX: TransactionInfo = { transactionId: 42, startedAt: T0 };

type Purpose = ChargingProfile['chargingProfilePurpose'];
type Schedule = ChargingProfile['chargingSchedule'];

/** An Absolute profile in A starting at T0 with `[startPeriod, limit]` periods, with overrides. */
function profile(
  id: number,
  purpose: Purpose,
  stackLevel: number,
  periods: [number, number][],
  extra: Partial<ChargingProfile> = {},
  schedule: Partial<Schedule> = {},
): ChargingProfile {
  return {
    chargingProfileId: id,
    stackLevel,
    chargingProfilePurpose: purpose,
    chargingProfileKind: 'Absolute',
    ...extra,
    chargingSchedule: {
      startSchedule: iso(T0),
      chargingRateUnit: 'A',
      chargingSchedulePeriod: periods.map(([startPeriod, limit]) => ({ startPeriod, limit })),
      ...schedule,
    },
  };
}

const steps = (s: CompositeSchedule | undefined): [number, number][] =>
  (s?.chargingSchedulePeriod ?? []).map((p) => [p.startPeriod, p.limit]);
const fresh = (limits: Partial<ChargingLimits> = {}): ChargingProfiles =>
  new ChargingProfiles(2, { ...LIMITS, ...limits });

test('TC_056: a TxDefaultProfile with an Absolute 6 A limit shows in the composite schedule', () => {
  const cp = fresh();
  assert.equal(cp.set(1, profile(1, 'TxDefaultProfile', 0, [[0, 6]]), undefined, T0), 'Accepted');
  const schedule = cp.composite(1, 300, T0 + 10 * S, 'A', ELEC, undefined);
  assert.deepEqual(schedule, {
    startSchedule: iso(T0 + 10 * S),
    duration: 300,
    chargingRateUnit: 'A',
    chargingSchedulePeriod: [{ startPeriod: 0, limit: 6 }],
  });
  assert.equal(cp.limitAt(1, T0 + 10 * S, ELEC, undefined), 6 * 230 * 3);
  assert.deepEqual(steps(cp.composite(2, 300, T0, 'A', ELEC, undefined)), [[0, 32]], 'other connector: no limit');
  assert.equal(cp.limitAt(2, T0, ELEC, undefined), undefined);
});

test('TC_057: a TxProfile during a transaction replaces the TxDefaultProfile until the transaction ends', () => {
  const cp = fresh();
  cp.set(1, profile(1, 'TxDefaultProfile', 0, [[0, 16]]), undefined, T0);
  const tx = profile(2, 'TxProfile', 0, [[0, 10]], { transactionId: 42 });
  assert.equal(cp.set(1, tx, TX, T0), 'Accepted');
  assert.deepEqual(steps(cp.composite(1, 60, T0, 'A', ELEC, TX)), [[0, 10]]);
  cp.endTransaction(1);
  assert.deepEqual(
    cp.list().map((e) => e.profile.chargingProfileId),
    [1],
  );
  assert.deepEqual(steps(cp.composite(1, 60, T0, 'A', ELEC, undefined)), [[0, 16]]);
});

test('TC_058_1: a TxProfile without a transaction is rejected', () => {
  const cp = fresh();
  assert.equal(cp.set(1, profile(1, 'TxProfile', 0, [[0, 6]]), undefined, T0), 'Rejected');
  assert.equal(cp.set(0, profile(1, 'TxProfile', 0, [[0, 6]]), TX, T0), 'Rejected', 'not on connector 0');
  assert.deepEqual(cp.list(), []);
});

test('TC_058_2: a TxProfile for another transactionId is rejected', () => {
  const cp = fresh();
  assert.equal(cp.set(1, profile(1, 'TxProfile', 0, [[0, 6]], { transactionId: 43 }), TX, T0), 'Rejected');
  assert.equal(
    cp.set(1, profile(1, 'TxProfile', 0, [[0, 6]]), TX, T0),
    'Accepted',
    'no transactionId: the running one',
  );
  assert.equal(cp.list()[0].profile.transactionId, 42);
  const later: TransactionInfo = { transactionId: 43, startedAt: T0 + 60 * S };
  assert.equal(cp.limitAt(1, T0 + 90 * S, ELEC, later), undefined, 'not applied to a later transaction');
});

test('TC_066: ChargePointMaxProfile, TxDefaultProfile and TxProfile merge into one composite schedule', () => {
  const cp = fresh();
  assert.equal(
    cp.set(0, profile(1, 'ChargePointMaxProfile', 0, [[0, 10]], {}, { duration: 86400 }), TX, T0),
    'Accepted',
  );
  assert.equal(cp.set(0, profile(2, 'TxDefaultProfile', 0, [[0, 16]]), undefined, T0), 'Accepted');
  const tx = profile(
    3,
    'TxProfile',
    0,
    [
      [0, 8],
      [100, 12],
      [200, 6],
    ],
    { transactionId: 42 },
    { duration: 300 },
  );
  assert.equal(cp.set(1, tx, TX, T0), 'Accepted');
  const schedule = cp.composite(1, 400, T0, 'A', ELEC, TX);
  assert.equal(schedule?.duration, 400);
  assert.deepEqual(steps(schedule), [
    [0, 8],
    [100, 10], // TxProfile 12 A capped by the ChargePointMaxProfile
    [200, 6],
    [300, 10], // TxProfile over: TxDefaultProfile 16 A, capped
  ]);
  assert.deepEqual(steps(cp.composite(2, 400, T0, 'A', ELEC, undefined)), [[0, 10]], 'TxDefault on 0 applies to all');
  assert.deepEqual(steps(cp.composite(0, 400, T0, 'A', ELEC, undefined)), [[0, 10]], 'connector 0: the maximum');
  assert.equal(cp.composite(3, 400, T0, 'A', ELEC, undefined), undefined, 'unknown connector');
  assert.equal(cp.set(1, profile(4, 'ChargePointMaxProfile', 1, [[0, 10]]), undefined, T0), 'Rejected', 'only on 0');
});

test('TC_067: ClearChargingProfile by id, then by purpose and stackLevel, then with no fields', () => {
  const cp = fresh();
  const p = profile(
    1,
    'TxDefaultProfile',
    1,
    [
      [0, 6],
      [60, 8],
      [200, 10],
    ],
    {},
    { duration: 400 },
  );
  const install = (): void => assert.equal(cp.set(1, p, undefined, T0), 'Accepted');
  install();
  assert.deepEqual(steps(cp.composite(1, 400, T0, 'A', ELEC, undefined)), [
    [0, 6],
    [60, 8],
    [200, 10],
  ]);
  assert.equal(cp.clear({ id: 1 }), 'Accepted');
  assert.equal(cp.clear({ id: 1 }), 'Unknown');
  assert.deepEqual(steps(cp.composite(1, 400, T0, 'A', ELEC, undefined)), [[0, 32]]);

  install();
  assert.equal(cp.clear({ chargingProfilePurpose: 'TxDefaultProfile', stackLevel: 0 }), 'Unknown');
  assert.equal(cp.clear({ connectorId: 2 }), 'Unknown');
  assert.equal(cp.clear({ chargingProfilePurpose: 'TxDefaultProfile', stackLevel: 1 }), 'Accepted');
  assert.deepEqual(cp.list(), []);

  install();
  cp.set(0, profile(2, 'ChargePointMaxProfile', 0, [[0, 20]]), undefined, T0);
  assert.equal(cp.clear({}), 'Accepted');
  assert.deepEqual(cp.list(), []);
  assert.equal(cp.clear({}), 'Unknown');
});

test('TC_072: stacked TxDefaultProfiles: the higher stackLevel while it runs, then the lower', () => {
  const cp = fresh();
  const validity = { validFrom: iso(T0 - 5 * S), validTo: iso(T0 + 406 * S) };
  const start = { startSchedule: iso(T0 - 5 * S) };
  const low = profile(
    1,
    'TxDefaultProfile',
    0,
    [
      [0, 6],
      [100, 8],
      [200, 10],
    ],
    validity,
    { ...start, duration: 405 },
  );
  const high = profile(
    2,
    'TxDefaultProfile',
    1,
    [
      [0, 10],
      [100, 6],
    ],
    validity,
    { ...start, duration: 155 },
  );
  assert.equal(cp.set(1, low, undefined, T0), 'Accepted');
  assert.equal(cp.set(1, high, undefined, T0), 'Accepted');
  assert.deepEqual(steps(cp.composite(1, 350, T0, 'A', ELEC, undefined)), [
    [0, 10],
    [95, 6],
    [150, 8],
    [195, 10],
  ]);
});

test('validFrom and validTo bound a profile', () => {
  const cp = fresh();
  const p = profile(1, 'TxDefaultProfile', 0, [[0, 6]], { validFrom: iso(T0 + 100 * S), validTo: iso(T0 + 200 * S) });
  cp.set(1, p, undefined, T0);
  assert.deepEqual(steps(cp.composite(1, 300, T0, 'A', ELEC, undefined)), [
    [0, 32],
    [100, 6],
    [200, 32],
  ]);
});

test('a Relative profile starts with the transaction, or now without one', () => {
  const cp = fresh();
  const p = profile(
    1,
    'TxDefaultProfile',
    0,
    [
      [0, 10],
      [60, 20],
    ],
    { chargingProfileKind: 'Relative' },
    { duration: 120 },
  );
  delete p.chargingSchedule.startSchedule;
  assert.equal(cp.set(1, p, undefined, T0), 'Accepted');
  assert.deepEqual(steps(cp.composite(1, 200, T0 + 30 * S, 'A', ELEC, TX)), [
    [0, 10],
    [30, 20],
    [90, 32],
  ]);
  assert.deepEqual(steps(cp.composite(1, 200, T0 + 30 * S, 'A', ELEC, undefined)), [
    [0, 10],
    [60, 20],
    [120, 32],
  ]);
  assert.equal(cp.limitAt(1, T0 + 70 * S, ELEC, TX), 20 * 690);
});

test('a Recurring Daily profile repeats every 24 h from startSchedule', () => {
  const cp = fresh();
  const night = profile(
    1,
    'TxDefaultProfile',
    0,
    [[0, 8]],
    { chargingProfileKind: 'Recurring', recurrencyKind: 'Daily' },
    { startSchedule: '2024-04-20T22:00:00.000Z', duration: 8 * 3600 },
  );
  assert.equal(cp.set(1, night, undefined, T0), 'Accepted');
  assert.deepEqual(steps(cp.composite(1, 86400, T0, 'A', ELEC, undefined)), [
    [0, 32],
    [36000, 8],
    [64800, 32],
  ]);
  assert.equal(cp.limitAt(1, Date.parse('2024-05-03T23:30:00Z'), ELEC, undefined), 8 * 690);
  assert.equal(cp.limitAt(1, Date.parse('2024-04-19T23:30:00Z'), ELEC, undefined), undefined, 'not before start');
  const missingKind = profile(2, 'TxDefaultProfile', 1, [[0, 8]], { chargingProfileKind: 'Recurring' });
  assert.equal(cp.set(1, missingKind, undefined, T0), 'Rejected');
});

test('a Recurring Weekly profile repeats every 7 days', () => {
  const cp = fresh();
  const p = profile(1, 'TxDefaultProfile', 0, [[0, 6]], { chargingProfileKind: 'Recurring', recurrencyKind: 'Weekly' });
  cp.set(1, { ...p, chargingSchedule: { ...p.chargingSchedule, duration: 3600 } }, undefined, T0);
  assert.equal(cp.limitAt(1, T0 + 14 * 86400 * S + 60 * S, ELEC, undefined), 6 * 690);
  assert.equal(cp.limitAt(1, T0 + 86400 * S + 60 * S, ELEC, undefined), undefined);
});

test('units convert with voltage × phases, numberPhases taking precedence', () => {
  const cp = fresh();
  cp.set(1, profile(1, 'TxDefaultProfile', 0, [[0, 6900]], {}, { chargingRateUnit: 'W' }), undefined, T0);
  assert.deepEqual(steps(cp.composite(1, 60, T0, 'A', ELEC, undefined)), [[0, 10]]);
  assert.equal(cp.composite(1, 60, T0, undefined, ELEC, undefined)?.chargingRateUnit, 'W', 'the profiles’ unit');

  const single = profile(2, 'TxDefaultProfile', 0, [[0, 16]]);
  single.chargingSchedule.chargingSchedulePeriod[0].numberPhases = 1;
  cp.set(2, single, undefined, T0);
  assert.deepEqual(cp.composite(2, 60, T0, 'W', ELEC, undefined)?.chargingSchedulePeriod, [
    { startPeriod: 0, limit: 3680, numberPhases: 1 },
  ]);
  assert.deepEqual(steps(cp.composite(2, 60, T0, 'A', ELEC, undefined)), [[0, 16]]);
  assert.equal(cp.composite(2, 60, T0, undefined, ELEC, undefined)?.chargingRateUnit, 'A');
  assert.equal(cp.limitAt(2, T0, ELEC, undefined), 3680);

  // Mixed units and none asked: W. 16 A on one phase (3680 W) stays below the 5000 W maximum; 6900 W does not.
  cp.set(0, profile(3, 'ChargePointMaxProfile', 0, [[0, 5000]], {}, { chargingRateUnit: 'W' }), undefined, T0);
  const mixed = cp.composite(2, 60, T0, undefined, ELEC, undefined);
  assert.equal(mixed?.chargingRateUnit, 'W');
  assert.deepEqual(steps(mixed), [[0, 3680]]);
  assert.deepEqual(steps(cp.composite(1, 60, T0, 'A', ELEC, undefined)), [[0, 7.2]], '5000 W / 690 V, one decimal');
});

test('the same chargingProfileId, or the same stackLevel and purpose on a connector, replaces a profile', () => {
  const cp = fresh();
  cp.set(1, profile(1, 'TxDefaultProfile', 0, [[0, 6]]), undefined, T0);
  cp.set(2, profile(1, 'TxDefaultProfile', 3, [[0, 7]]), undefined, T0);
  assert.deepEqual(
    cp.list().map((e) => [e.connectorId, e.profile.stackLevel]),
    [[2, 3]],
  );
  cp.set(2, profile(2, 'TxDefaultProfile', 3, [[0, 8]]), undefined, T0);
  cp.set(2, profile(3, 'TxDefaultProfile', 1, [[0, 9]]), undefined, T0);
  cp.set(1, profile(4, 'TxDefaultProfile', 3, [[0, 10]]), undefined, T0);
  assert.deepEqual(
    cp.list().map((e) => e.profile.chargingProfileId),
    [2, 3, 4],
  );
  assert.equal(cp.limitAt(2, T0, ELEC, undefined), 8 * 690, 'highest stackLevel wins');
});

test('a connector’s own TxDefaultProfile beats connector 0’s at the same stackLevel, not at a lower one', () => {
  const cp = fresh();
  cp.set(0, profile(1, 'TxDefaultProfile', 2, [[0, 6]]), undefined, T0);
  cp.set(1, profile(2, 'TxDefaultProfile', 2, [[0, 12]]), undefined, T0);
  assert.equal(cp.limitAt(1, T0, ELEC, undefined), 12 * 690);
  assert.equal(cp.limitAt(2, T0, ELEC, undefined), 6 * 690);
  cp.set(0, profile(3, 'TxDefaultProfile', 3, [[0, 14]]), undefined, T0);
  assert.equal(cp.limitAt(1, T0, ELEC, undefined), 14 * 690);
});

test('limits: stack level, periods, units, installed profiles and connector range', () => {
  const cp = fresh({ maxStackLevel: 2, maxPeriods: 2, maxProfiles: 2, allowedUnits: ['A'] });
  const tooMany: [number, number][] = [
    [0, 6],
    [10, 7],
    [20, 8],
  ];
  assert.equal(cp.set(1, profile(1, 'TxDefaultProfile', 3, [[0, 6]]), undefined, T0), 'Rejected');
  assert.equal(cp.set(1, profile(1, 'TxDefaultProfile', 0, tooMany), undefined, T0), 'Rejected');
  const watts = profile(1, 'TxDefaultProfile', 0, [[0, 6000]], {}, { chargingRateUnit: 'W' });
  assert.equal(cp.set(1, watts, undefined, T0), 'Rejected');
  assert.equal(cp.set(1, profile(1, 'TxDefaultProfile', 0, [[5, 6]]), undefined, T0), 'Rejected', 'first at 0');
  assert.equal(
    cp.set(
      1,
      profile(1, 'TxDefaultProfile', 0, [
        [0, 6],
        [0, 7],
      ]),
      undefined,
      T0,
    ),
    'Rejected',
  );
  assert.equal(cp.set(3, profile(1, 'TxDefaultProfile', 0, [[0, 6]]), undefined, T0), 'Rejected', 'connector');
  assert.equal(cp.set(1, profile(1, 'TxDefaultProfile', 0, [[0, 6]]), undefined, T0), 'Accepted');
  assert.equal(cp.set(2, profile(2, 'TxDefaultProfile', 0, [[0, 6]]), undefined, T0), 'Accepted');
  assert.equal(cp.set(1, profile(3, 'TxDefaultProfile', 1, [[0, 6]]), undefined, T0), 'Rejected', 'full');
  assert.equal(cp.set(1, profile(3, 'TxDefaultProfile', 0, [[0, 7]]), undefined, T0), 'Accepted', 'replaces');
  cp.limits = { ...cp.limits, allowedUnits: ['A', 'W'] };
  assert.equal(cp.set(1, watts, undefined, T0), 'Accepted', 'configuration change applies');
});

test('an Absolute profile without startSchedule starts when set, and survives list() / restore()', () => {
  const cp = fresh();
  const p = profile(1, 'TxDefaultProfile', 0, [
    [0, 6],
    [60, 10],
  ]);
  delete p.chargingSchedule.startSchedule;
  cp.set(1, p, undefined, T0 + 30 * S);
  assert.equal(p.chargingSchedule.startSchedule, undefined, 'the caller’s object is untouched');
  const restored = fresh();
  restored.restore([...cp.list(), { connectorId: 9, profile: profile(2, 'TxDefaultProfile', 0, [[0, 6]]) }]);
  assert.deepEqual(restored.list(), cp.list());
  assert.deepEqual(steps(restored.composite(1, 120, T0 + 60 * S, 'A', ELEC, undefined)), [
    [0, 6],
    [30, 10],
  ]);
});
