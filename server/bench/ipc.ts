/**
 * Messages between the bench (parent) and the mock-CSMS process (child) over the
 * `child_process.fork` IPC channel. Types only, so the child loads nothing of the bench.
 * @module
 */

/** Parent → child. */
export type ToCsms =
  /** Report {@link CsmsStats}; with `gc`, collect garbage first (the child runs with --expose-gc). */
  | { type: 'stats'; id: number; gc?: boolean }
  /** Start a CPU profile of the CSMS process. */
  | { type: 'profile-start' }
  /** Stop it and write `<dir>/<name>.cpuprofile`; answered with `profile-written`. */
  | { type: 'profile-stop'; dir: string; name: string }
  /** Close every connection, stop listening and exit. */
  | { type: 'stop' };

/** Resource figures of the CSMS process. */
export interface CsmsStats {
  /** Resident set size (bytes). */
  rss: number;
  /** V8 heap in use (bytes). */
  heapUsed: number;
  /** process.cpuUsage() since the process started (µs). */
  cpu: NodeJS.CpuUsage;
  /** Charge points connected right now. */
  stations: number;
  /** Warnings the CSMS raised (invalid frames, late answers...) since start. */
  warnings: number;
}

/** Child → parent. */
export type FromCsms =
  /** Listening; charge points connect to `url` + id. */
  | { type: 'ready'; port: number; url: string }
  /** Could not start. */
  | { type: 'failed'; message: string }
  /** The profile file was written (or `error` says why not). */
  | { type: 'profile-written'; file?: string; error?: string }
  /** Answer to a `stats` request. */
  | ({ type: 'stats'; id: number } & CsmsStats);
