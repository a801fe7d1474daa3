/**
 * The state-directory pattern (`--state-dir`) both protocol versions share: one small JSON file
 * per station, read once at start, replaced atomically (write + rename) at most once per turn of
 * the event loop after a change, always mode 0600 (it may hold the Basic-auth password).
 * @module
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeWithMode } from '../../security/keystore';

/** A directory of saved station states. */
export class StateFile {
  /**
   * Use a state directory.
   * @param dir The state directory (created, mode 0700, on first write).
   * @param suffix Ending of the file names before `.json` (keeps the versions' files apart).
   */
  constructor(readonly dir: string, private readonly suffix = '') {}

  /** Path of a station's file. */
  fileOf(id: string): string {
    return path.join(this.dir, `${encodeURIComponent(id)}${this.suffix}.json`);
  }

  /**
   * Read a saved state; undefined when there is none. Throws a readable error for a damaged file
   * or one of another format version.
   */
  read<T extends { version: number }>(id: string, version: T['version']): T | undefined {
    const file = this.fileOf(id);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new Error(`cannot read state ${file}: ${(err as Error).message}`);
    }
    const state = JSON.parse(text) as T;
    if (state.version !== version) throw new Error(`state ${file} has unknown format version ${String(state.version)}`);
    return state;
  }

  /**
   * Write a state atomically, mode 0600 whatever the umask, the directory's mode or the mode of
   * the file it replaces (the rename gives the file the fresh temporary file's mode).
   */
  write(id: string, state: object): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = this.fileOf(id);
    const tmp = `${file}.${process.pid}.tmp`;
    writeWithMode(tmp, JSON.stringify(state), 0o600);
    fs.renameSync(tmp, file);
  }

  /**
   * A change callback that saves once per turn of the event loop, however many changes the
   * turn made; a failed write becomes a warning.
   */
  saver(save: () => void, warn: (line: string) => void): () => void {
    let pending = false;
    return () => {
      if (pending) return;
      pending = true;
      queueMicrotask(() => {
        pending = false;
        try {
          save();
        } catch (err) {
          warn(`could not save state: ${(err as Error).message}`);
        }
      });
    };
  }
}
