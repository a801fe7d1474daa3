/**
 * The EV and the live telemetry of a 2.0.1 station's EVSEs: the EV an EVSE charges, and one
 * {@link TelemetrySample} per EVSE with a running transaction every second (see
 * `ev/telemetry.ts`), published as the `telemetry` event, with a `session` record when a
 * transaction ends.
 * @module
 */
import { Ev, type EvSpec } from '../../ev/ev';
import { Telemetry, type TelemetrySample } from '../../ev/telemetry';
import type { Evse } from '../model/evse';
import type { StationModel } from './station';

/**
 * Choose the EV of an EVSE (emits `ev`): it arrives at every later plug-in and, when one is
 * plugged now, takes its place; a new EV below its target resumes a SuspendedEV transaction.
 * A bad value throws a RangeError naming the field.
 * @param s The station.
 * @param e The EVSE.
 * @param ev The EV; undefined: the defaults.
 * @param resume Resume the EVSE's transaction (the transaction engine's).
 */
export function changeEv(s: StationModel, e: Evse, ev: EvSpec | undefined, resume: (e: Evse) => void): void {
  const next = new Ev(ev);
  e.ev = ev;
  s.link.emit('ev', { evseId: e.id });
  if (!e.connectors.some((c) => c.plugged)) return;
  e.meter.advance(s.now());
  e.meter.ev = next;
  if (e.suspended === 'EV' && !next.full) resume(e);
}

/** One reading of an EVSE with a transaction. @param s The station. @param e The EVSE. */
export function evseSample(s: StationModel, e: Evse): TelemetrySample {
  const now = s.now();
  e.meter.advance(now);
  const sample: TelemetrySample = {
    point: e.id,
    at: now,
    startedAt: e.transaction?.startedAt ?? now,
    powerW: Math.round(e.meter.powerW),
    limitW: Math.round(e.meter.offeredW),
    sessionWh: e.meter.registerWh - (e.transaction?.meterStartWh ?? e.meter.registerWh),
  };
  if (e.meter.soc !== undefined) sample.soc = Math.round(e.meter.soc * 10) / 10;
  return sample;
}

/**
 * The telemetry of a station.
 * @param s The station.
 * @param follow Bring an EVSE's power up to now along the EV curve (and suspend an EV at its target SoC).
 */
export function evseTelemetry(s: StationModel, follow: (e: Evse) => void): Telemetry {
  return new Telemetry({
    scheduler: s.link.scheduler,
    read: () => s.evses.filter((e) => e.transaction).map((e) => (follow(e), evseSample(s, e))),
    publish: (samples) => s.link.emit('telemetry', samples),
    ended: (record) => s.link.emit('session', record),
  });
}
