/**
 * A bounded, time-stamped record of what a charge point did and saw (frames, status changes,
 * security events): the content of the diagnostics file and of GetLog uploads. Old entries fall
 * off the end, so memory stays fixed however long the charge point runs.
 * @module
 */

/** One journal entry. */
export interface JournalEntry {
  /** When it happened (epoch ms, the charge point's clock). */
  at: number;
  /** What kind of entry: `frame`, `event`, `warning`, `security`. */
  kind: string;
  /** Readable text (a frame's wire text, an event line). */
  text: string;
}

/** A ring buffer of {@link JournalEntry}. */
export class Journal {
  private items: JournalEntry[] = [];
  private next = 0;

  /**
   * Create an empty journal.
   * @param capacity Entries kept (0 keeps none).
   */
  constructor(readonly capacity: number) {}

  /** Entries kept now. */
  get size(): number {
    return this.items.length;
  }

  /**
   * Add an entry, replacing the oldest when full.
   * @param at Time (epoch ms).
   * @param kind Entry kind.
   * @param text Entry text.
   */
  record(at: number, kind: string, text: string): void {
    if (this.capacity <= 0) return;
    const entry = { at, kind, text };
    if (this.items.length < this.capacity) this.items.push(entry);
    else this.items[this.next] = entry;
    this.next = (this.next + 1) % this.capacity;
  }

  /**
   * Entries oldest first, optionally limited to a time window (inclusive) and some kinds.
   * @param from Earliest time (epoch ms).
   * @param to Latest time (epoch ms).
   * @param kinds Kinds to keep (all when absent).
   */
  entries(from = -Infinity, to = Infinity, kinds?: readonly string[]): JournalEntry[] {
    const ordered = this.items.length < this.capacity ? this.items : [...this.items.slice(this.next), ...this.items.slice(0, this.next)];
    return ordered.filter((e) => e.at >= from && e.at <= to && (!kinds || kinds.includes(e.kind)));
  }

  /**
   * The entries as text, one line each: `2026-01-01T00:00:00.000Z kind text`.
   * @param entries Entries to format.
   */
  static format(entries: readonly JournalEntry[]): string {
    return entries.map((e) => `${new Date(e.at).toISOString()} ${e.kind} ${e.text}\n`).join('');
  }

  /** Forget every entry. */
  clear(): void {
    this.items = [];
    this.next = 0;
  }
}
