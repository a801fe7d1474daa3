/**
 * Harness for scenario tests driven from the CSMS side: a real MockCsms on 127.0.0.1, one
 * charge point with default behaviour connected to it, every CALL the charge point sends
 * recorded, and an optional virtual clock for timing rules.
 */
import { connect } from '../src/chargepoint/connect';
import type { Chargepoint, ChargepointOptions } from '../src/chargepoint/chargepoint';
import { MockCsms, type MockCsmsOptions } from '../src/csms/mock-csms';
import type { Payload } from '../src/ocpp/frames';
import { VirtualScheduler } from '../src/ocpp/scheduler';

/** A CALL the charge point sent. */
export interface SentCall {
  action: string;
  payload: Record<string, unknown>;
}

/** One charge point against one mock CSMS. */
export interface Scenario {
  csms: MockCsms;
  cp: Chargepoint;
  /** The virtual clock, when asked for. */
  clock?: VirtualScheduler;
  /** Every CALL the charge point sent, in order, except SecurityEventNotification (see `calls`). */
  sent: SentCall[];
  /** Every CALL the charge point sent, in order, security events included. */
  calls: SentCall[];
  /** Warnings the charge point emitted. */
  warnings: string[];
  /** Send a CSMS-initiated call and resolve with the answer. */
  call(action: string, payload?: Payload): Promise<Payload>;
  /** Wait (real time, up to 3 s) until the charge point sent `count` CALLs matching; returns them. */
  waitFor(action: string, match?: (p: Record<string, unknown>) => boolean, count?: number): Promise<SentCall[]>;
  /** Calls sent since index `from` with this action. */
  since(from: number, action?: string): SentCall[];
  /** Advance the virtual clock (and let I/O settle). */
  advance(ms: number): Promise<void>;
  /** Let pending I/O settle (real time). */
  settle(ms?: number): Promise<void>;
  /** Close both sides. */
  close(): Promise<void>;
}

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Wait (real time, at most 2 s) until the charge point has no call in flight or queued. */
export async function untilIdle(cp: Chargepoint): Promise<void> {
  await pause(1);
  for (let waited = 0; waited < 2000 && !(cp.endpoint.idle || !cp.connected); waited += 2) await pause(2);
}

/**
 * Start a mock CSMS and connect charge point `id` with automatic boot; resolves once the boot
 * sequence (BootNotification and the StatusNotifications) is through.
 */
export async function scenario(
  options: ChargepointOptions & { id?: string; virtual?: boolean; csms?: MockCsmsOptions } = {},
): Promise<Scenario> {
  const { id = 'CP1', virtual = false, csms: csmsOptions, ...cpOptions } = options;
  const csms = new MockCsms({ port: 0, ...csmsOptions });
  const sent: SentCall[] = [];
  const calls: SentCall[] = [];
  // Security events (StartupOfTheDevice, ResetOrReboot, …) interleave with everything; the core cases' exact sequences leave them out.
  csms.on('frame', (_s, e) => {
    const f = e.frame;
    if (e.direction !== 'in' || !f || f.type !== 2) return;
    const call = { action: f.action, payload: f.payload as Record<string, unknown> };
    calls.push(call);
    if (f.action !== 'SecurityEventNotification') sent.push(call);
  });
  await csms.listen();
  const clock = virtual ? new VirtualScheduler(Date.parse('2026-01-05T10:00:00.000Z')) : undefined;
  const cp = await connect(`${csms.url}${id}`, undefined, undefined, { boot: 'auto', scheduler: clock, ...cpOptions });
  const warnings: string[] = [];
  cp.on('warning', (w: string) => warnings.push(w));
  const s: Scenario = {
    csms,
    cp,
    clock,
    sent,
    calls,
    warnings,
    call: (action, payload = {}) => csms.call(id, action, payload),
    async waitFor(action, match = () => true, count = 1) {
      for (let waited = 0; ; waited += 10) {
        const hits = calls.filter((c) => c.action === action && match(c.payload));
        if (hits.length >= count) return hits;
        if (waited > 3000) {
          throw new Error(`timed out waiting for ${count} × ${action}; sent: ${calls.map((c) => `${c.action} ${JSON.stringify(c.payload)}`).join('\n  ')}`);
        }
        await pause(10);
      }
    },
    since: (from, action) => sent.slice(from).filter((c) => action === undefined || c.action === action),
    async advance(ms) {
      if (!clock) throw new Error('scenario without virtual clock');
      await clock.advance(ms, () => untilIdle(cp));
      await untilIdle(cp);
    },
    settle: (ms = 50) => pause(ms),
    async close() {
      await cp.close();
      await csms.close();
    },
  };
  const connectors = cp.station.profile.connectors;
  await s.waitFor('StatusNotification', () => true, connectors + 1);
  return s;
}
