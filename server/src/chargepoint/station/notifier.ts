/**
 * Messages sent without guaranteed delivery (StatusNotification, Heartbeat, NotifyReport…), the
 * same for both versions: a failure becomes one warning, never a rejection, and a reset or a
 * close can wait until what is on the wire was answered.
 * @module
 */
import type { Payload } from '../../ocpp/frames';
import type { StationLink } from './lifecycle';

/** Calls in flight without guaranteed delivery. */
export class Notifier {
  private readonly unanswered = new Set<Promise<unknown>>();

  /**
   * Track the calls of one station.
   * @param link The connection side.
   * @param warn Where failures go.
   */
  constructor(private readonly link: StationLink, private readonly warn: (line: string) => void) {}

  /** Send a CALL; resolves with the answer, or undefined after a warning when it failed. */
  async send(action: string, payload: Payload): Promise<Payload | undefined> {
    const call = this.link.call(action, payload);
    this.unanswered.add(call);
    try {
      return await call;
    } catch (err) {
      this.warn(`${action} failed: ${(err as Error).message}`);
      return undefined;
    } finally {
      this.unanswered.delete(call);
    }
  }

  /** Resolve once every call sent so far was answered (or failed), or after `timeoutMs`. */
  settled(timeoutMs: number): Promise<void> {
    if (this.unanswered.size === 0) return Promise.resolve();
    const scheduler = this.link.scheduler;
    return new Promise((resolve) => {
      const timer = scheduler.after(timeoutMs, resolve);
      void Promise.allSettled([...this.unanswered]).then(() => {
        scheduler.cancel(timer);
        resolve();
      });
    });
  }
}
