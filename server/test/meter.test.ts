/** The connector meter: energy integration, clamping, seeded noise, and schema-valid MeterValue entries (OCPP 1.6 §4.7, §7.45). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MEASURANDS, Meter, type ReadingContext } from '../src/chargepoint/model/meter';
import { ocpp16 } from '../src/ocpp/v16/protocol';
import { SchemaValidator } from '../src/ocpp/validator';

const schema = SchemaValidator.for(ocpp16);
const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const HOUR = 3_600_000;

test('energy integrates the drawn power over time', () => {
  const meter = new Meter({ phases: 1, voltage: 230, maxPowerW: 7400, seed: 1 }, 1000);
  meter.setPower(T0, 7400);
  assert.ok(meter.powerW <= 7400 && meter.powerW >= 7400 * 0.98, `power ${meter.powerW}`);
  meter.advance(T0 + HOUR);
  assert.ok(Math.abs(meter.energyWh - (1000 + meter.powerW)) < 1e-6);
  assert.equal(meter.registerWh, Math.floor(meter.energyWh));
  meter.setPower(T0 + HOUR, 0);
  assert.equal(meter.powerW, 0);
  const before = meter.energyWh;
  meter.advance(T0 + 2 * HOUR);
  assert.equal(meter.energyWh, before);
});

test('power is clamped to [0, maxPowerW] and to the limit, which becomes the offer', () => {
  const meter = new Meter({ phases: 3, voltage: 230, maxPowerW: 11000, seed: 7 });
  meter.setPower(T0, 50_000);
  assert.ok(meter.powerW <= 11000 && meter.powerW >= 11000 * 0.98);
  assert.equal(meter.offeredW, 11000);
  meter.setPower(T0, 50_000, 4140);
  assert.ok(meter.powerW <= 4140 && meter.powerW >= 4140 * 0.98);
  assert.equal(meter.offeredW, 4140);
  meter.setPower(T0, -5);
  assert.equal(meter.powerW, 0);
  meter.setPower(T0, 1000, 0);
  assert.equal(meter.powerW, 0);
});

test('the register is monotonic under any sequence of calls, time going back included', () => {
  const meter = new Meter({ phases: 3, voltage: 230, maxPowerW: 22000, seed: 42 });
  let t = T0;
  let last = meter.energyWh;
  let lastRegister = meter.registerWh;
  for (let i = 0; i < 2000; i++) {
    t += ((i * 7919) % 120_000) - 20_000; // sometimes backwards
    if (i % 3 === 0) meter.setPower(t, (i * 104729) % 30_000, i % 5 === 0 ? 5000 : undefined);
    else if (i % 3 === 1) meter.advance(t);
    else meter.sample(t, ['Energy.Active.Import.Register', 'Energy.Active.Import.Interval'], 'Sample.Periodic');
    assert.ok(meter.energyWh >= last && meter.registerWh >= lastRegister);
    last = meter.energyWh;
    lastRegister = meter.registerWh;
  }
  assert.ok(meter.energyWh > 0);
  assert.throws(() => (meter.energyWh = 0), RangeError);
  meter.energyWh = last + 10;
  assert.equal(meter.energyWh, last + 10);
});

test('the noise is deterministic per seed', () => {
  const run = (seed: number): number[] => {
    const meter = new Meter({ phases: 1, voltage: 230, maxPowerW: 7400, seed });
    return Array.from({ length: 5 }, (_, i) => (meter.setPower(T0 + i * 1000, 5000), meter.powerW));
  };
  assert.deepEqual(run(3), run(3));
  assert.notDeepEqual(run(3), run(4));
  for (const p of run(3)) assert.ok(p >= 4900 && p <= 5100, `power ${p}`);
});

test('current per phase is P / (U × phases), one value per phase', () => {
  const meter = new Meter({ phases: 3, voltage: 230, maxPowerW: 22000, seed: 5 });
  meter.setPower(T0, 11000);
  const mv = meter.sample(T0, ['Current.Import', 'Voltage'], 'Sample.Periodic');
  const currents = mv.sampledValue.filter((s) => s.measurand === 'Current.Import');
  assert.deepEqual(currents.map((s) => s.phase), ['L1', 'L2', 'L3']);
  for (const s of currents) {
    assert.equal(s.unit, 'A');
    assert.equal(s.value, (meter.powerW / 690).toFixed(2));
  }
  const volts = mv.sampledValue.filter((s) => s.measurand === 'Voltage');
  assert.deepEqual(volts.map((s) => [s.phase, s.value, s.unit]), [['L1-N', '230.0', 'V'], ['L2-N', '230.0', 'V'], ['L3-N', '230.0', 'V']]);
  const single = new Meter({ phases: 1, voltage: 230, maxPowerW: 7400 });
  assert.deepEqual(single.sample(T0, ['Current.Import'], 'Trigger').sampledValue.map((s) => s.phase), ['L1']);
});

test('every measurand and context gives a schema-valid MeterValues.req', () => {
  const meter = new Meter({ phases: 3, voltage: 230, maxPowerW: 22000, seed: 9, capacityWh: 40_000 }, 12_345.6);
  meter.soc = 20;
  meter.setPower(T0, 16000, 20000);
  const contexts: ReadingContext[] = ['Sample.Periodic', 'Sample.Clock', 'Transaction.Begin', 'Transaction.End', 'Trigger', 'Interruption.Begin', 'Other'];
  for (const [i, context] of contexts.entries()) {
    const mv = meter.sample(T0 + i * 60_000, [...MEASURANDS, 'Bogus.Measurand'], context);
    const violation = schema.check('MeterValues', 'request', { connectorId: 1, transactionId: 7, meterValue: [mv] });
    assert.equal(violation, undefined, violation?.message);
    assert.equal(mv.timestamp, new Date(T0 + i * 60_000).toISOString());
    for (const s of mv.sampledValue) {
      assert.equal(s.context, context);
      assert.equal(typeof s.value, 'string');
    }
    assert.ok(!mv.sampledValue.some((s) => (s.measurand as string) === 'Bogus.Measurand' || s.measurand === 'RPM'));
  }
  const mv = meter.sample(T0 + HOUR, ['Energy.Active.Import.Register', 'Power.Active.Import', 'Temperature', 'SoC', 'Frequency', 'Power.Offered', 'Current.Offered'], 'Sample.Periodic');
  const get = (m: string) => mv.sampledValue.find((s) => s.measurand === m)!;
  assert.deepEqual([get('Energy.Active.Import.Register').value, get('Energy.Active.Import.Register').unit], [String(meter.registerWh), 'Wh']);
  assert.equal(get('Energy.Active.Import.Register').location, 'Outlet');
  assert.equal(get('Power.Active.Import').value, meter.powerW.toFixed(1));
  assert.equal(get('Temperature').unit, 'Celcius');
  assert.deepEqual([get('SoC').unit, get('SoC').location], ['Percent', 'EV']);
  assert.equal(get('Power.Offered').value, '20000.0');
  assert.equal(get('Current.Offered').value, (20000 / 690).toFixed(1));
  assert.equal(get('Frequency').unit, undefined);
});

test('SoC rises with energy, caps at 100, and is only reported when set', () => {
  const meter = new Meter({ phases: 1, voltage: 230, maxPowerW: 7400, seed: 2, capacityWh: 10_000 });
  assert.deepEqual(meter.sample(T0, ['SoC'], 'Trigger').sampledValue, []);
  meter.soc = 50;
  meter.setPower(T0, 5000);
  meter.advance(T0 + HOUR / 2);
  assert.ok(Math.abs((meter.soc as number) - (50 + (meter.powerW * 0.5 * 100) / 10_000)) < 1e-9);
  meter.advance(T0 + 10 * HOUR);
  assert.equal(meter.soc, 100);
  assert.equal(meter.sample(T0 + 10 * HOUR, ['SoC'], 'Trigger').sampledValue[0]?.value, '100');
});

test('Energy.Active.Import.Interval counts from the previous sample of the same context', () => {
  const meter = new Meter({ phases: 1, voltage: 230, maxPowerW: 1000, seed: 11 }, 500);
  meter.setPower(T0, 1000);
  const interval = (t: number, context: ReadingContext) => Number(meter.sample(t, ['Energy.Active.Import.Interval'], context).sampledValue[0]!.value);
  const first = interval(T0 + HOUR, 'Sample.Clock');
  assert.equal(first, meter.registerWh - 500);
  const r1 = meter.registerWh;
  assert.equal(interval(T0 + 2 * HOUR, 'Sample.Clock'), meter.registerWh - r1);
  assert.equal(interval(T0 + 2 * HOUR, 'Sample.Periodic'), meter.registerWh - 500);
  assert.equal(interval(T0 + 2 * HOUR, 'Sample.Periodic'), 0);
});

test('a spec that makes no sense is refused', () => {
  assert.throws(() => new Meter({ phases: 2 as 1, voltage: 230, maxPowerW: 1 }), RangeError);
  assert.throws(() => new Meter({ phases: 1, voltage: 0, maxPowerW: 1 }), RangeError);
  assert.throws(() => new Meter({ phases: 1, voltage: 230, maxPowerW: 1 }, -1), RangeError);
});
