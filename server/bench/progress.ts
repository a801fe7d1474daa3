/**
 * Progress lines on stderr, so a long run is not silent: at most one per second or per 10 %.
 * @module
 */
import { performance } from 'node:perf_hooks';

/** Writes `[bench] …` lines to stderr (or nothing, when quiet). */
export class Progress {
  private label = '';
  private unit = '';
  private total = 0;
  private done = 0;
  private t0 = 0;
  private lastAt = 0;
  private lastDecile = 0;

  /** @param quiet Print nothing. */
  constructor(private readonly quiet: boolean) {}

  /** One free-form line. */
  log(line: string): void {
    if (!this.quiet) process.stderr.write(`[bench] ${line}\n`);
  }

  /** Begin a counted step. */
  start(label: string, total: number, unit: string): void {
    this.label = label;
    this.unit = unit;
    this.total = total;
    this.done = 0;
    this.t0 = this.lastAt = performance.now();
    this.lastDecile = 0;
    this.log(`${label} ${total} ${unit}…`);
  }

  /** Report the count done so far; prints when a second or a tenth has passed. */
  update(done: number): void {
    this.done = done;
    const now = performance.now();
    const decile = this.total > 0 ? Math.floor((done * 10) / this.total) : 10;
    if (done < this.total && decile === this.lastDecile && now - this.lastAt < 1000) return;
    if (done === this.total) return; // end() reports the total
    this.lastDecile = decile;
    this.lastAt = now;
    const rate = done / ((now - this.t0) / 1000);
    this.log(`  ${this.label}: ${done}/${this.total} ${this.unit} (${Math.round((done * 100) / this.total)} %, ${Math.round(rate)}/s)`);
  }

  /** Finish the step. */
  end(): void {
    const s = (performance.now() - this.t0) / 1000;
    this.log(`  ${this.label}: ${this.done}/${this.total} ${this.unit} in ${s.toFixed(2)} s`);
  }
}
