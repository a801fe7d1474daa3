/**
 * Live telemetry of a 2.0.1 station's EVSEs: one {@link TelemetrySample} per EVSE with a running
 * transaction every second (see `ev/telemetry.ts`), published as the `telemetry` event, and a
 * `session` record when a transaction ends.
 * @module
 */
import { Telemetry, type TelemetrySample } from '../../ev/telemetry';
import type { Evse } from '../model/evse';
import type { StationModel } from './station';

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
