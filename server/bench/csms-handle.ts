/**
 * The bench's side of the CSMS process: fork it, wait until it listens, ask for its resource
 * figures, stop it.
 * @module
 */
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import type { CsmsStats, FromCsms, ToCsms } from './ipc';

/** A running mock-CSMS process. */
export class CsmsProcess {
  private nextId = 0;
  private readonly waiting = new Map<number, (stats: CsmsStats) => void>();
  private readonly exited: Promise<void>;
  private profileWritten: ((file: string | undefined) => void) | undefined;

  private constructor(
    private readonly child: ChildProcess,
    /** Port it listens on (127.0.0.1). */
    readonly port: number,
    /** Base URL: append the charge point id. */
    readonly url: string,
  ) {
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    child.on('message', (m: FromCsms) => {
      if (m.type === 'profile-written') {
        if (m.error) process.stderr.write(`[bench] CSMS profile not written: ${m.error}\n`);
        this.profileWritten?.(m.file);
        this.profileWritten = undefined;
      }
      if (m.type !== 'stats') return;
      const { type: _t, id, ...stats } = m;
      this.waiting.get(id)?.(stats);
      this.waiting.delete(id);
    });
  }

  /**
   * Fork `csms-process.js` (the compiled sibling of this file) and resolve once it listens.
   * @param execArgv Extra Node flags for the child; `--expose-gc` is always added.
   * @param args Arguments of csms-process.js: the heartbeat interval (s) to hand out.
   */
  static start(execArgv: string[] = [], args: string[] = []): Promise<CsmsProcess> {
    const child = fork(path.join(__dirname, 'csms-process.js'), args, {
      execArgv: ['--expose-gc', ...execArgv],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error('the CSMS process did not report its port within 20 s'));
      }, 20_000);
      const onExit = (code: number | null, signal: string | null): void => {
        clearTimeout(timer);
        reject(new Error(`the CSMS process exited before listening (${signal ?? `exit code ${code}`})`));
      };
      child.once('exit', onExit);
      child.once('error', (err) => {
        clearTimeout(timer);
        child.off('exit', onExit);
        reject(err);
      });
      child.on('message', function first(m: FromCsms) {
        if (m.type !== 'ready' && m.type !== 'failed') return;
        child.off('message', first);
        clearTimeout(timer);
        child.off('exit', onExit);
        if (m.type === 'ready') resolve(new CsmsProcess(child, m.port, m.url));
        else {
          child.kill('SIGKILL');
          reject(new Error(`the CSMS process failed to start: ${m.message}`));
        }
      });
    });
  }

  /** Process id of the CSMS. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /**
   * The CSMS process's memory and CPU figures (undefined if it does not answer in 10 s).
   * @param gc Collect garbage in the CSMS first.
   */
  stats(gc = false): Promise<CsmsStats | undefined> {
    if (!this.child.connected) return Promise.resolve(undefined);
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve(undefined);
      }, 10_000);
      this.waiting.set(id, (s) => {
        clearTimeout(timer);
        resolve(s);
      });
      this.send({ type: 'stats', id, gc });
    });
  }

  /** Start a CPU profile in the CSMS process. */
  startProfile(): void {
    this.send({ type: 'profile-start' });
  }

  /** Stop the CSMS's CPU profile; resolves with the file written (undefined on failure). */
  stopProfile(dir: string, name: string): Promise<string | undefined> {
    if (!this.child.connected) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.profileWritten = resolve;
      this.send({ type: 'profile-stop', dir, name });
    });
  }

  /** Ask the CSMS to close everything and exit; kill it if it has not exited after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    this.send({ type: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Kill at once (interrupt path). */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  private send(message: ToCsms): void {
    if (this.child.connected) this.child.send(message);
  }
}
