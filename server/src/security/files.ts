/**
 * Files that hold state or secrets: replaced whole and atomically (a reader sees the old or the
 * new content, never half of one, also after a SIGKILL mid-write), readable by the owner only,
 * and an owner lock so two processes never work on the same files at once.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';

/**
 * Replace `file` with `content` atomically: written to a temporary file beside it (created with
 * `mode`, so the content is never readable by others), then renamed over it (POSIX rename(2) is
 * atomic). Survives a killed process; a power cut may still lose the last write (no fsync).
 * @param file The file to replace.
 * @param content Its new content.
 * @param mode File mode (default 0600).
 */
export function writeFileAtomic(file: string, content: string, mode = 0o600): void {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', mode);
  try {
    fchmodSync(fd, mode);
    writeFileSync(fd, content);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp);
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, file);
}

/** True when process `pid` exists (EPERM: it exists, owned by someone else). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holderOf(lock: string): number | undefined {
  try {
    const pid = Number(readFileSync(lock, 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** A held lock. */
export interface FileLock {
  /** The lock file. */
  readonly path: string;
  /** Give the lock up (removes the file; idempotent). */
  release(): void;
}

/**
 * Take the lock file `lock` for this process, or learn which live process holds it. The lock
 * file is made complete (it names our pid) before it appears: written beside, then hard-linked
 * into place, and link(2) fails when the name exists, so exactly one process wins. A lock whose
 * process is gone (killed) is taken over.
 * @param lock Path of the lock file.
 * @returns The lock, or the pid of the live process that holds it.
 */
export function tryLock(lock: string): FileLock | { heldBy: number } {
  const tmp = `${lock}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, String(process.pid), { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(tmp, lock);
        let held = true;
        return {
          path: lock,
          release() {
            if (!held) return;
            held = false;
            // Only our own lock: a lock taken over after we were thought dead is not ours to remove.
            if (holderOf(lock) === process.pid) unlinkSync(lock);
          },
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = holderOf(lock);
      if (holder !== undefined && (alive(holder) || attempt > 0)) return { heldBy: holder };
      // The holder is gone (or the file names nobody): remove the stale lock once, if nobody replaced it meanwhile.
      if (holderOf(lock) === holder) {
        try {
          unlinkSync(lock);
        } catch {
          // Someone else removed it first: the link is tried again.
        }
      }
    }
    throw new Error(`cannot take the lock ${lock}: it keeps changing hands`);
  } finally {
    unlinkSync(tmp);
  }
}
