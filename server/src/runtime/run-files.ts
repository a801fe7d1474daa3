/**
 * The files a script or `--cps` run writes when it ends: `--report FILE` (JSON) and `--junit FILE`
 * (JUnit XML). Both come from one {@link RunRecorder} (installed only when either is asked for)
 * plus, with `--workers`, the reports the fleet workers send back; they are written also when the
 * run failed, which is when CI needs them most.
 * @module
 */
import fs from 'node:fs';
import type { CsmsSetup } from './csms-mode';
import { junitXml } from './junit';
import { RunRecorder, mergeReports, type RunReport } from './run-report';

/** What the run files need to know of the command line. */
export interface RunFileOptions {
  /** `--report FILE`. */
  report?: string;
  /** `--junit FILE`. */
  junit?: string;
}

/** The `--report` / `--junit` side of one run. */
export class RunFiles {
  /** Records this thread's charge points; undefined when no file was asked for (nothing is then watched). */
  readonly recorder: RunRecorder | undefined;
  private readonly startedAt = new Date();
  private readonly started = performance.now();
  private readonly scriptErrors: string[] = [];
  private frozen: RunReport | undefined;

  /**
   * @param o The file names asked for.
   * @param suite The JUnit suite's name, e.g. `ocpp-sim checks.js`.
   * @param scriptName A script run: the script as given (its JUnit test case).
   */
  constructor(
    private readonly o: RunFileOptions,
    private readonly suite: string,
    private readonly scriptName?: string,
  ) {
    this.recorder = o.report !== undefined || o.junit !== undefined ? new RunRecorder() : undefined;
  }

  /** A script error, one line with file:line: the script's test case fails with it. @param line The line. */
  scriptFailed(line: string): void {
    this.scriptErrors.push(line);
  }

  /** Take this thread's record now (a fleet about to close its charge points: `connected` as it stood). */
  freeze(): void {
    this.frozen = this.recorder?.report();
  }

  /**
   * Write the files asked for. A file that cannot be written is one error line through `fail`.
   * @param csms The embedded CSMS (`--with-csms`): its findings go into both files.
   * @param parts Reports of the fleet's worker threads, added to this thread's.
   * @param fail Reports a file that could not be written.
   */
  write(csms: CsmsSetup | undefined, parts: RunReport[], fail: (line: string) => void): void {
    if (!this.recorder) return;
    const report = mergeReports([this.frozen ?? this.recorder.report(), ...parts]);
    if (csms) report.csmsFindings = csms.probes?.report() ?? {};
    const save = (flag: string, file: string | undefined, text: () => string): void => {
      if (file === undefined) return;
      try {
        fs.writeFileSync(file, text());
      } catch (err) {
        fail(`${flag} ${file} could not be written: ${(err as Error).message}`);
      }
    };
    save('--report', this.o.report, () => `${JSON.stringify(report, null, 2)}\n`);
    save('--junit', this.o.junit, () =>
      junitXml({
        suite: this.suite,
        startedAt: this.startedAt,
        seconds: (performance.now() - this.started) / 1000,
        script: this.scriptName !== undefined ? { name: this.scriptName, errors: this.scriptErrors } : undefined,
        report,
      }),
    );
  }
}
