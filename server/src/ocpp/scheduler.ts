/**
 * Time for the whole process. Thousands of charge points must not mean thousands of Node
 * timers: every deadline (call timeouts, heartbeats, meter values, back-offs) goes into one
 * binary heap, and only its earliest entry is armed as a real timer. The same interface runs on a
 * virtual clock, so tests (and opt-in scripts) can play an hour of charging in milliseconds.
 * @module
 */

/** A scheduled callback; pass it to {@link Scheduler.cancel}. */
export interface TimerHandle {
  /** @internal */ at: number;
  /** @internal */ seq: number;
  /** @internal */ fn: (() => void) | null;
}

/** Clock and timers as the rest of ocpp-sim sees them. */
export interface Scheduler {
  /** Milliseconds since the epoch, on this scheduler's clock. */
  now(): number;
  /** Run `fn` once after `ms` milliseconds. */
  after(ms: number, fn: () => void): TimerHandle;
  /** Cancel a pending callback (no effect when it already ran). */
  cancel(handle: TimerHandle | undefined): void;
  /** Resolve after `ms` milliseconds of this scheduler's time. */
  sleep(ms: number): Promise<void>;
}

/** Min-heap of handles ordered by (at, seq); cancelled entries are dropped lazily. */
class DeadlineHeap {
  private items: TimerHandle[] = [];
  private seq = 0;
  private cancelled = 0;

  /** Entries held, live or cancelled (for diagnostics and tests). */
  get size(): number {
    return this.items.length;
  }

  push(at: number, fn: () => void): TimerHandle {
    const h: TimerHandle = { at, seq: this.seq++, fn };
    const a = this.items;
    a.push(h);
    for (let i = a.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
    return h;
  }

  /**
   * Mark an entry dead. Most call timeouts are cancelled by their answer long before they are
   * due, so without compaction a busy process would carry (calls/s × timeout) dead entries.
   */
  cancel(h: TimerHandle): void {
    if (h.fn === null) return;
    h.fn = null;
    if (++this.cancelled > 1024 && this.cancelled * 2 > this.items.length) {
      const live = this.items.filter((x) => x.fn !== null).sort((x, y) => (this.less(x, y) ? -1 : 1));
      this.items = live; // a sorted array is a valid heap
      this.cancelled = 0;
    }
  }

  /** Earliest live entry, dropping cancelled ones on the way. */
  peek(): TimerHandle | undefined {
    while (this.items.length > 0 && this.items[0]!.fn === null) {
      this.pop();
      if (this.cancelled > 0) this.cancelled--;
    }
    return this.items[0];
  }

  pop(): TimerHandle | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l]!, a[m]!)) m = l;
        if (r < a.length && this.less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }

  private less(x: TimerHandle, y: TimerHandle): boolean {
    return x.at < y.at || (x.at === y.at && x.seq < y.seq);
  }
}

/** A delay as a heap takes it: negative is now, NaN (an unparsable date) is now too. */
function delayOf(ms: number): number {
  return Number.isNaN(ms) ? 0 : Math.max(0, ms);
}

/** Runs every due callback of `heap` up to time `now`; errors in one do not stop the others. */
function runDue(heap: DeadlineHeap, now: number): void {
  for (let h = heap.peek(); h && h.at <= now; h = heap.peek()) {
    heap.pop();
    const fn = h.fn!;
    h.fn = null;
    try {
      fn();
    } catch (err) {
      process.emitWarning(err as Error);
    }
  }
}

/**
 * The longest delay a Node timer takes: `setTimeout` stores it as a signed 32-bit number and fires
 * a longer one after 1 ms (with a TimeoutOverflowWarning). A deadline further away (an UpdateFirmware
 * retrieveDate a year ahead, a long reservation) is reached by re-arming in steps of at most this.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The real clock: one unref'd Node timer armed for the earliest deadline. */
export class RealScheduler implements Scheduler {
  private readonly heap = new DeadlineHeap();
  private timer: NodeJS.Timeout | undefined;
  private armedAt = Infinity;

  /**
   * Create a real clock (most code uses the process-wide {@link realScheduler}).
   * @param maxTimerMs Longest single Node timer (default {@link MAX_TIMER_MS}); smaller only to
   *   test the re-arming in milliseconds instead of weeks.
   */
  constructor(private readonly maxTimerMs = MAX_TIMER_MS) {}

  /** @inheritDoc */
  now(): number {
    return Date.now();
  }

  /** @inheritDoc */
  after(ms: number, fn: () => void): TimerHandle {
    const h = this.heap.push(Date.now() + delayOf(ms), fn);
    if (h.at < this.armedAt) this.arm();
    return h;
  }

  /** @inheritDoc */
  cancel(handle: TimerHandle | undefined): void {
    if (handle) this.heap.cancel(handle);
  }

  /** @inheritDoc */
  sleep(ms: number): Promise<void> {
    // A script's sleep must keep the process alive, unlike protocol deadlines; long ones in steps.
    const wait = delayOf(ms);
    const end = Date.now() + wait;
    return new Promise((resolve) => {
      const step = (): void => {
        const left = end - Date.now();
        if (left <= 0) resolve();
        else setTimeout(step, Math.min(left, this.maxTimerMs));
      };
      setTimeout(step, Math.min(wait, this.maxTimerMs));
    });
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    const next = this.heap.peek();
    if (!next) {
      this.timer = undefined;
      this.armedAt = Infinity;
      return;
    }
    this.armedAt = next.at;
    // A deadline beyond the longest Node timer wakes up early, runs nothing and re-arms.
    this.timer = setTimeout(() => {
      this.armedAt = Infinity;
      runDue(this.heap, Date.now());
      this.arm();
    }, Math.min(Math.max(0, next.at - Date.now()), this.maxTimerMs));
    // Deadlines alone never keep the process alive: open sockets and scripts do.
    this.timer.unref();
  }
}

/** A clock that only moves when told to; for tests and fast-forwarded simulations. */
export class VirtualScheduler implements Scheduler {
  private readonly heap = new DeadlineHeap();
  private time: number;

  /**
   * Create a stopped clock.
   * @param start Initial time in ms since the epoch (default: the real time now).
   */
  constructor(start = Date.now()) {
    this.time = start;
  }

  /** @inheritDoc */
  now(): number {
    return this.time;
  }

  /** @inheritDoc */
  after(ms: number, fn: () => void): TimerHandle {
    return this.heap.push(this.time + delayOf(ms), fn);
  }

  /** @inheritDoc */
  cancel(handle: TimerHandle | undefined): void {
    if (handle) this.heap.cancel(handle);
  }

  /** @inheritDoc */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve));
  }

  /** Deadlines held, live or cancelled but not yet dropped. */
  get entries(): number {
    return this.heap.size;
  }

  /**
   * Move the clock forward by `ms`, running every callback that falls due, in order, and
   * letting promise continuations settle between them.
   * @param ms Milliseconds to move.
   * @param settle Awaited before each step, that is before time moves on: with real
   *   sockets, wait here until the messages a callback sent were answered, or virtual time
   *   would race past their response timeouts.
   */
  async advance(ms: number, settle?: () => Promise<unknown>): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      if (settle) await settle();
      const h = this.heap.peek();
      if (!h || h.at > end) break;
      this.time = Math.max(this.time, h.at);
      runDue(this.heap, this.time);
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.time = end;
  }
}

/** The process-wide real scheduler. */
export const realScheduler: Scheduler = new RealScheduler();
