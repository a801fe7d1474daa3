/**
 * How long a script run lasts: as long as the script's work does. After the body returned, the
 * process keeps running while a charge point the script opened is still held (not closed by
 * `cp.close()`) or a `startListener` app is still listening, as with the earlier tool (its
 * example waits for an HTTP call that terminates the listener); it ends when neither is left, or
 * on Ctrl-C.
 * @module
 */
import type { AnyStation } from '../chargepoint/connect';
import { openListeners } from '../chargepoint/listener';
import { untilSignal } from './support';

/** What a script run opened: its stations (the runtime's set) and this thread's listeners. */
export class ScriptWork {
  private wake: (() => void) | undefined;

  /** @param stations Every station the script created (the runtime adds them as they are made). */
  constructor(private readonly stations: ReadonlySet<AnyStation>) {}

  /**
   * Look again (a station was released, a listener closed). On the next turn, not at once: a
   * `reConnect()` releases its station and takes hold of it again within the same turn.
   */
  readonly recheck = (): void => void setImmediate(() => this.wake?.());

  /** Resolve once every listener has bound its port or failed to (so its port can be named). */
  async bound(): Promise<void> {
    const binding = [...openListeners.all].filter((l) => !l.server.listening);
    await Promise.all(
      binding.map(
        (l) =>
          new Promise<void>((resolve) => {
            const gone = (closed: unknown): void => void (closed === l && done());
            const done = (): void => {
              openListeners.off('closed', gone);
              l.server.off('listening', done);
              resolve();
            };
            l.server.once('listening', done);
            openListeners.on('closed', gone);
          }),
      ),
    );
  }

  /** `charge point CP001`, `listener :8085`, …: what still keeps the run going. */
  stillOpen(): string[] {
    const held = [...this.stations].filter((cp) => cp.held).map((cp) => `charge point ${cp.id}`);
    return [...held, ...[...openListeners.all].map((l) => openListeners.describe(l))];
  }

  /** Close every station and listener still open (the run ends). */
  async closeAll(): Promise<void> {
    for (const listener of openListeners.all) listener.terminate();
    await Promise.all([...this.stations].map((cp) => cp.close()));
  }

  /**
   * Resolve once nothing is open any more, on Ctrl-C (SIGINT, SIGTERM), or when `stop` resolves
   * (an uncaught error ends the run).
   * @param stop Ends the wait early.
   */
  async finished(stop: Promise<void>): Promise<void> {
    openListeners.on('closed', this.recheck);
    let signalled = false;
    void Promise.race([untilSignal(), stop]).then(() => {
      signalled = true;
      this.wake?.();
    });
    // A station whose close() still runs is waited for too, unnamed: a reConnect() takes hold again after it.
    const busy = (): boolean => this.stillOpen().length > 0 || [...this.stations].some((cp) => cp.closing);
    while (!signalled && busy()) {
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    this.wake = undefined;
    openListeners.off('closed', this.recheck);
  }
}
