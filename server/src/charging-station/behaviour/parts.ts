/**
 * Reports that answer a CSMS request in several messages (NotifyReport B07.FR.03/04,
 * NotifyMonitoringReport N02.FR.07, NotifyDisplayMessages O03.FR.03/04): parts of
 * `DeviceDataCtrlr.ItemsPerMessage[GetReport]` entries, seqNo from 0, tbc on all but the last.
 * @module
 */
import type { StationContext } from '../station/context';

/** Send `entries` in parts, one `sendPart` after the other (each awaited: the parts stay in order). */
export async function sendInParts<T>(ctx: StationContext, entries: readonly T[], sendPart: (part: [T, ...T[]], seqNo: number, tbc: boolean) => Promise<unknown>): Promise<void> {
  const size = Math.max(1, ctx.station.device.int('DeviceDataCtrlr', 'ItemsPerMessage', 'GetReport'));
  for (let seqNo = 0, i = 0; i < entries.length; seqNo++, i += size) {
    await sendPart(entries.slice(i, i + size) as [T, ...T[]], seqNo, i + size < entries.length);
  }
}
