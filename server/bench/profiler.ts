/**
 * CPU profile of the current process for one phase, through the inspector protocol: the file
 * is a `.cpuprofile` that Chrome DevTools (Performance panel) or VS Code opens. Used by both
 * processes for `--cpu-prof DIR`, so the profiles cover the call phase only.
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';

/** A started profile; {@link PhaseProfiler.stop} writes it. */
export class PhaseProfiler {
  private constructor(private readonly session: Session) {}

  /**
   * Start sampling.
   * @param intervalUs Sampling interval in microseconds.
   */
  static async start(intervalUs = 200): Promise<PhaseProfiler> {
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
    await session.post('Profiler.start');
    return new PhaseProfiler(session);
  }

  /**
   * Stop and write `<dir>/<name>.cpuprofile`.
   * @returns The file written.
   */
  async stop(dir: string, name: string): Promise<string> {
    const { profile } = await this.session.post('Profiler.stop');
    this.session.disconnect();
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${name}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    return file;
  }
}
