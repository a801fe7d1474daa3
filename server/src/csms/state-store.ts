/**
 * A state directory for the mock CSMS (`--state-dir`): what a central system keeps in its
 * database, so a restarted (or killed) CSMS still knows its charge points and transactions.
 *
 * | file | holds |
 * | --- | --- |
 * | `csms.json` | a snapshot of the state, replaced atomically (temp file + rename) |
 * | `csms.journal` | one JSON line per change since that snapshot |
 * | `lock` | the pid of the process using the directory (a second CSMS is refused) |
 *
 * Files are 0600, a directory it creates 0700.
 *
 * Why a journal, and when it is written: a change must be on disk before the CALLRESULT that
 * acknowledges it goes out, or a SIGKILL right after an answered StopTransaction loses a
 * transaction the charge point will never resend. Rewriting the whole snapshot before every
 * answer would cost a busy CSMS a multi-megabyte write per frame, so each change is appended to
 * the journal instead, and the changes of one event-loop turn share one write (group commit:
 * {@link StateDirectory.append} resolves once its line is written, and the CSMS answers then).
 * The snapshot is rewritten at most once per `snapshotDelayMs`, after which the journal starts
 * empty again. Both survive a killed process (the kernel has the data); there is no fsync, so
 * a power cut may lose the last writes.
 *
 * Recovery: the snapshot, then the journal lines numbered after it. A damaged snapshot is set
 * aside (with its journal) and the CSMS starts empty; damaged journal lines are skipped; each
 * with one readable warning.
 * @module
 */
import { closeSync, copyFileSync, existsSync, fchmodSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { realScheduler, type Scheduler, type TimerHandle } from '../ocpp/scheduler';
import { tryLock, writeFileAtomic, type FileLock } from '../security/files';

/** What the directory stores and how it is applied: supplied by its owner. */
export interface StateHandlers<S, E> {
  /** The current state, as JSON-able data (written as the snapshot). */
  snapshot(): S;
  /** Replace the state with a snapshot read back (throw when it makes no sense: it is then set aside as damaged). */
  restore(snapshot: S): void;
  /** Start from the empty state (after a damaged snapshot). */
  reset(): void;
  /** Apply one journal entry recorded after the snapshot. */
  replay(entry: E): void;
}

/** Options of {@link StateDirectory}. */
export interface StateDirectoryOptions {
  /** Longest time between a change and the snapshot that includes it (default 1000 ms). */
  snapshotDelayMs?: number;
  /** Timer heap (default the real clock). */
  scheduler?: Scheduler;
  /** One readable line per problem (a damaged file set aside, a failed write). */
  warn: (line: string) => void;
}

/** The snapshot file's format. */
interface SnapshotFile<S> {
  version: 1;
  savedAt: string;
  /** Number of the last journal entry the snapshot includes. */
  seq: number;
  state: S;
}

const SNAPSHOT = 'csms.json';
const JOURNAL = 'csms.journal';

/** A state directory in use (see the module comment). */
export class StateDirectory<S, E> {
  private lock: FileLock | undefined;
  private journal: number | undefined;
  private seq = 0;
  private pending: string[] = [];
  private written: Promise<void> | undefined;
  private snapshotTimer: TimerHandle | undefined;
  private readonly scheduler: Scheduler;
  private readonly snapshotDelayMs: number;

  /**
   * Use a state directory (nothing is read before {@link StateDirectory.open}).
   * @param dir The directory.
   * @param handlers How the state is taken, restored and replayed.
   * @param options See {@link StateDirectoryOptions}.
   */
  constructor(
    readonly dir: string,
    private readonly handlers: StateHandlers<S, E>,
    private readonly options: StateDirectoryOptions,
  ) {
    this.scheduler = options.scheduler ?? realScheduler;
    this.snapshotDelayMs = options.snapshotDelayMs ?? 1000;
  }

  /** Path of the snapshot file. */
  get snapshotFile(): string {
    return path.join(this.dir, SNAPSHOT);
  }

  /** Path of the journal file. */
  get journalFile(): string {
    return path.join(this.dir, JOURNAL);
  }

  /**
   * Take the directory (throws a readable error when another live process has it), restore the
   * state it holds, and start a fresh snapshot with an empty journal.
   */
  open(): void {
    if (!existsSync(this.dir)) mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const lock = tryLock(path.join(this.dir, 'lock'));
    if ('heldBy' in lock) {
      throw new Error(`state directory ${this.dir} is in use by process ${lock.heldBy} (another mock CSMS?): give each CSMS its own directory`);
    }
    this.lock = lock;
    try {
      this.recover();
      this.journal = openSync(this.journalFile, 'a', 0o600);
      fchmodSync(this.journal, 0o600);
      this.writeSnapshot();
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /**
   * Journal one change; resolves once it is written (with every other change of this
   * event-loop turn, in one write). Answer the CALL that made the change after that.
   * @param entry The change.
   */
  append(entry: E): Promise<void> {
    if (this.journal === undefined) return Promise.resolve();
    this.pending.push(`${JSON.stringify({ seq: ++this.seq, entry })}\n`);
    this.snapshotTimer ??= this.scheduler.after(this.snapshotDelayMs, () => {
      this.snapshotTimer = undefined;
      this.writeSnapshot();
    });
    this.written ??= new Promise((resolve) =>
      setImmediate(() => {
        this.flush();
        resolve();
      }),
    );
    return this.written;
  }

  /** Write the final snapshot and give the directory up. */
  close(): void {
    if (this.journal !== undefined) this.writeSnapshot();
    this.scheduler.cancel(this.snapshotTimer);
    this.snapshotTimer = undefined;
    if (this.journal !== undefined) closeSync(this.journal);
    this.journal = undefined;
    this.lock?.release();
    this.lock = undefined;
  }

  private flush(): void {
    this.written = undefined;
    if (this.pending.length === 0 || this.journal === undefined) return;
    const text = this.pending.join('');
    this.pending = [];
    try {
      writeFileSync(this.journal, text);
    } catch (err) {
      this.options.warn(`could not write ${this.journalFile}: ${(err as Error).message} (the change is kept in memory)`);
    }
  }

  /** The whole state as one file; the journal restarts empty (its entries are in the snapshot). */
  private writeSnapshot(): void {
    this.scheduler.cancel(this.snapshotTimer);
    this.snapshotTimer = undefined;
    // Lines not yet written are covered by the snapshot (its seq includes them).
    this.pending = [];
    const file: SnapshotFile<S> = { version: 1, savedAt: new Date().toISOString(), seq: this.seq, state: this.handlers.snapshot() };
    try {
      writeFileAtomic(this.snapshotFile, JSON.stringify(file));
      if (this.journal !== undefined) ftruncateSync(this.journal, 0);
    } catch (err) {
      this.options.warn(`could not write ${this.snapshotFile}: ${(err as Error).message}`);
    }
  }

  private recover(): void {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    let base = 0;
    const snapshot = readIfPresent(this.snapshotFile);
    try {
      if (snapshot !== undefined) {
        const file = JSON.parse(snapshot) as SnapshotFile<S>;
        if (file?.version !== 1 || !Number.isInteger(file.seq)) throw new Error(`unknown format (version ${String(file?.version)})`);
        this.handlers.restore(file.state);
        base = file.seq;
      }
    } catch (err) {
      // The journal only makes sense on top of its snapshot: both are set aside.
      const aside = `${this.snapshotFile}.damaged-${stamp}`;
      renameSync(this.snapshotFile, aside);
      if (existsSync(this.journalFile)) renameSync(this.journalFile, `${this.journalFile}.damaged-${stamp}`);
      this.options.warn(`${this.snapshotFile} is damaged (${(err as Error).message}): starting with an empty state; the file is kept as ${aside}`);
      this.handlers.reset();
      return;
    }
    this.seq = base;
    let skipped = 0;
    for (const line of (readIfPresent(this.journalFile) ?? '').split('\n')) {
      if (line.trim() === '') continue;
      try {
        const { seq, entry } = JSON.parse(line) as { seq: number; entry: E };
        if (!Number.isInteger(seq)) throw new Error('no sequence number');
        if (seq <= base) continue; // already in the snapshot (killed between snapshot and truncation)
        this.handlers.replay(entry);
        this.seq = Math.max(this.seq, seq);
      } catch {
        skipped++;
      }
    }
    if (skipped > 0) {
      const aside = `${this.journalFile}.damaged-${stamp}`;
      copyFileSync(this.journalFile, aside);
      this.options.warn(`${this.journalFile}: skipped ${skipped} damaged line(s); the file is kept as ${aside}`);
    }
  }
}

function readIfPresent(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
