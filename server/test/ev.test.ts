/**
 * The EV on the connector (issue 16 item 1) and the per-second telemetry (item 2): the charging
 * curve, SoC integration on the meter, the limit in force, and the real 1.6 and 2.0.1 models on a
 * virtual clock against a real CSMS over a real socket.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Meter } from '../src/chargepoint/model/meter';
import { curvePowerW, DEFAULT_EV, Ev, resolveEv } from '../src/ev/ev';
import type { SessionRecord, TelemetrySample } from '../src/ev/telemetry';
import { scenario } from './tc-harness';
import { withBench201 } from './cs201-harness';

const T0 = Date.UTC(2026, 0, 5, 10);
const HOUR = 3_600_000;
const AC3 = { dc: false, phases: 3 } as const;

test('the curve is flat up to the taper, then falls linearly to a 10 % trickle at 100 %', () => {
  const ev = resolveEv({ maxAcPowerW: 11_000, taperFromPercent: 80 });
  assert.equal(curvePowerW(ev, 20, AC3), 11_000);
  assert.equal(curvePowerW(ev, 80, AC3), 11_000);
  const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-6, `${a} ≠ ${b}`);
  near(curvePowerW(ev, 90, AC3), 11_000 * 0.55);
  near(curvePowerW(ev, 100, AC3), 11_000 * 0.1);
  const powers = [80, 85, 90, 95, 100].map((soc) => curvePowerW(ev, soc, AC3));
  for (let i = 1; i < powers.length; i++) assert.ok(powers[i]! < powers[i - 1]!, `tapers: ${powers.join(', ')}`);
  // DC takes the DC maximum; a 3-phase on-board charger on a 1-phase supply takes a third.
  assert.equal(curvePowerW(ev, 50, { dc: true, phases: 3 }), DEFAULT_EV.maxDcPowerW);
  assert.equal(curvePowerW(ev, 50, { dc: false, phases: 1 }), 11_000 / 3);
  assert.equal(curvePowerW(resolveEv({ acPhases: 1, maxAcPowerW: 7400 }), 50, { dc: false, phases: 1 }), 7400);
});

test('an EV spec: defaults, and a bad value or unknown key is one readable RangeError', () => {
  assert.deepEqual(resolveEv(), { capacityKWh: 60, socPercent: 20, targetSocPercent: 100, maxAcPowerW: 11_000, acPhases: 3, maxDcPowerW: 50_000, taperFromPercent: 80 });
  assert.throws(() => resolveEv({ socPercent: 120 }), /socPercent is out of range: 120/);
  assert.throws(() => resolveEv({ capacityKWh: 0 }), /capacityKWh/);
  assert.throws(() => resolveEv({ acPhases: 2 as 1 }), /acPhases/);
  assert.throws(() => resolveEv({ capacityKwh: 5 } as never), /unknown key 'capacityKwh'/);
  assert.throws(() => resolveEv({ socPercent: '50' as unknown as number }), /socPercent/);
});

test('the meter draws min(EV curve, connector maximum, limit) and the SoC integrates the energy', () => {
  const meter = new Meter({ phases: 3, voltage: 230, maxPowerW: 22_000, seed: 3 });
  meter.ev = new Ev({ capacityKWh: 50, socPercent: 20 });
  meter.setPower(T0, 22_000);
  assert.ok(meter.powerW <= 11_000 * 1.02 && meter.powerW >= 11_000 * 0.98, `EV-limited: ${meter.powerW}`);
  meter.setPower(T0, 22_000, 4_000);
  assert.ok(meter.powerW <= 4_000 && meter.powerW >= 4_000 * 0.98, `limit: ${meter.powerW}`);
  assert.equal(meter.offeredW, 4_000);
  const drawn = meter.powerW;
  meter.advance(T0 + HOUR);
  assert.ok(Math.abs(meter.soc! - (20 + (drawn * 100) / 50_000)) < 1e-9, `soc ${meter.soc}`);
  // Full at the target: the EV takes nothing more.
  const full = new Meter({ phases: 3, voltage: 230, maxPowerW: 22_000, seed: 4 });
  full.ev = new Ev({ socPercent: 80, targetSocPercent: 80 });
  full.setPower(T0, 22_000);
  assert.equal(full.powerW, 0);
});

test('1.6 on a virtual clock: power tapers, SoC is in MeterValues, the EV stops at its target (SuspendedEV), telemetry every second', async (t) => {
  const s = await scenario({
    virtual: true,
    profile: {
      ev: { capacityKWh: 2, socPercent: 70, targetSocPercent: 90 },
      configuration: { MeterValueSampleInterval: 60, MeterValuesSampledData: 'Energy.Active.Import.Register,Power.Active.Import,SoC' },
    },
  });
  t.after(() => s.close());
  const samples: TelemetrySample[] = [];
  const sessions: SessionRecord[] = [];
  s.cp.on('telemetry', (list: TelemetrySample[]) => samples.push(...list));
  s.cp.on('session', (r: SessionRecord) => sessions.push(r));
  await s.call('RemoteStartTransaction', { connectorId: 1, idTag: 'EV1' });
  await s.waitFor('StartTransaction');
  await s.advance(60_000);
  const first = samples[0]!;
  assert.equal(first.soc, 70);
  assert.ok(first.powerW > 10_000, `flat part of the curve: ${first.powerW}`);
  assert.equal(first.limitW, 22_000);
  // One sample a second from the model's clock.
  assert.ok(samples.length >= 60 && samples.length <= 62, `${samples.length} samples in 60 s`);
  assert.ok(samples.every((x, i) => i === 0 || x.at - samples[i - 1]!.at === 1000));
  await s.advance(10 * 60_000);
  await s.waitFor('StatusNotification', (p) => p.status === 'SuspendedEV');
  const atTarget = samples.find((x) => x.soc !== undefined && x.soc >= 90)!;
  assert.ok(atTarget, 'SoC reached the target');
  const tapered = samples.filter((x) => x.soc! > 85 && x.soc! < 90);
  assert.ok(tapered.length > 0 && tapered.every((x) => x.powerW < first.powerW * 0.8), 'power tapers above 80 %');
  const last = samples.at(-1)!;
  assert.equal(last.powerW, 0);
  assert.ok(last.soc! >= 90 && last.soc! < 90.5, `stops at the target: ${last.soc}`);
  const socs = s.sent.filter((c) => c.action === 'MeterValues').map((c) => {
    const mv = (c.payload.meterValue as { sampledValue: { measurand?: string; value: string; location?: string }[] }[])[0]!;
    return mv.sampledValue.find((v) => v.measurand === 'SoC');
  });
  assert.ok(socs.length >= 5 && socs.every((v) => v?.location === 'EV'), 'SoC in every MeterValues');
  assert.ok(Number(socs.at(-1)!.value) >= 89);
  s.cp.stopCharging(1);
  const [stop] = await s.waitFor('StopTransaction');
  const start = s.sent.find((c) => c.action === 'StartTransaction')!;
  assert.equal(sessions.length, 1);
  assert.equal(sessions[0]!.energyWh, Number(stop!.payload.meterStop) - Number(start.payload.meterStart));
  assert.equal(samples.at(-1)!.sessionWh, sessions[0]!.energyWh);
  assert.ok(sessions[0]!.maxPowerW >= first.powerW);
  // ~0.4 kWh went into a 2 kWh battery from 70 to 90 %.
  assert.ok(Math.abs(sessions[0]!.energyWh - 400) < 15, `energy ${sessions[0]!.energyWh}`);
});

test('1.6: a charging profile limit below the EV is the limit in force; a script chooses the EV with plugIn', async (t) => {
  const s = await scenario({ virtual: true });
  t.after(() => s.close());
  const samples: TelemetrySample[] = [];
  s.cp.on('telemetry', (list: TelemetrySample[]) => samples.push(...list));
  assert.deepEqual(await s.call('SetChargingProfile', {
    connectorId: 1,
    csChargingProfiles: { chargingProfileId: 1, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute', chargingSchedule: { chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 4000 }] } },
  }), { status: 'Accepted' });
  s.cp.plugIn(1, { ev: { capacityKWh: 40, socPercent: 55, maxAcPowerW: 7400 } });
  assert.ok(await s.cp.startCharging(1, 'LIM'));
  await s.advance(5_000);
  const last = samples.at(-1)!;
  assert.equal(last.limitW, 4000);
  assert.ok(last.powerW <= 4000 && last.powerW >= 3900, `limited: ${last.powerW}`);
  assert.ok(last.soc! >= 55 && last.soc! < 56, `soc ${last.soc}`);
  assert.throws(() => s.cp.setEv(1, { socPercent: -1 }), /socPercent/);
  s.cp.setEv(1, { socPercent: 30, maxAcPowerW: 2000, acPhases: 1 });
  await s.advance(2_000);
  assert.ok(samples.at(-1)!.powerW <= 2040 && samples.at(-1)!.soc! < 31, `the new EV: ${JSON.stringify(samples.at(-1))}`);
  s.cp.stopCharging(1);
});

test('2.0.1 on a virtual clock: a DC EVSE feeds the EV at its DC maximum; at the target chargingState is SuspendedEV', async (t) => {
  const b = await withBench201(t, {
    virtual: true,
    profile: {
      evses: [{ connectors: ['cCCS2'], maxPowerW: 150_000, ev: { capacityKWh: 10, socPercent: 70, targetSocPercent: 80, maxDcPowerW: 50_000 } }],
      variables: { 'SampledDataCtrlr.TxUpdatedMeasurands': 'Energy.Active.Import.Register,SoC', 'SampledDataCtrlr.TxUpdatedInterval': 30 },
    },
  });
  const samples: TelemetrySample[] = [];
  b.cs.on('telemetry', (list: TelemetrySample[]) => samples.push(...list));
  assert.ok(await b.cs.startCharging(1, 'DC1'));
  await b.waitFor('TransactionEvent', { match: (p) => p.eventType === 'Started' });
  await b.advance(3_000);
  assert.ok(samples.at(-1)!.powerW > 48_000 && samples.at(-1)!.powerW <= 51_000, `DC: ${samples.at(-1)!.powerW}`);
  await b.advance(150_000);
  await b.waitFor('TransactionEvent', { match: (p) => (p.transactionInfo as { chargingState?: string }).chargingState === 'SuspendedEV' });
  assert.equal(samples.at(-1)!.powerW, 0);
  const soc = b.calls.filter((c) => c.action === 'TransactionEvent').flatMap((c) => ((c.params.meterValue ?? []) as { sampledValue: { measurand?: string; value: number }[] }[]).flatMap((m) => m.sampledValue)).filter((v) => v.measurand === 'SoC');
  assert.ok(soc.length > 0 && soc.at(-1)!.value >= 79, `SoC in TransactionEvent: ${JSON.stringify(soc.at(-1))}`);
});

test('1.6 profile: `ev` as a list gives each connector its EV; unplugging takes the EV away', async (t) => {
  const s = await scenario({ virtual: true, profile: { connectors: 3, ev: [{ socPercent: 30 }, { socPercent: 60, capacityKWh: 10 }] } });
  t.after(() => s.close());
  for (const n of [1, 2, 3]) s.cp.plugIn(n);
  const soc = (n: number) => s.cp.station.connectors[n]!.meter!.soc;
  assert.deepEqual([soc(1), soc(2), soc(3)], [30, 60, 20]);
  assert.equal(s.cp.station.connectors[2]!.meter!.ev!.spec.capacityKWh, 10);
  s.cp.unplug(2);
  assert.equal(soc(2), undefined);
  // Plugged in again, the connector's EV arrives afresh (at its own SoC).
  s.cp.plugIn(2);
  assert.equal(soc(2), 60);
});
