#!/usr/bin/env node
/**
 * The `ocpp-sim` command (what start.sh runs): runs a charge-point script, the mock CSMS, or both.
 * @module
 */
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import type { ChargepointOptions } from '../chargepoint/chargepoint';
import { connectMany, fleetId, makeConnect, shardRange, type AnyStation, type AnyStationOptions, type FleetSettings } from '../chargepoint/connect';
import { readProfile } from '../chargepoint/model/profile';
import { STATION_PROFILE_KEYS } from '../charging-station/model/profile';
import { VirtualScheduler, realScheduler } from '../ocpp/scheduler';
import { UsageError, parseArgs, serverMode, type CliOptions } from './args';
import { HELP } from './help';
import type { CsmsSetup } from './csms-mode';
import { ScriptWork } from './lifetime';
import { HandlerFailures, VersionTally, observeStation } from './observe';
import { holdProcess, lazyAxios, readStdin, scriptLogger, startMetrics, untilSignal } from './support';
import { Log, VERBOSITY } from './log';
import { readOptionsFile } from './options-file';
import { describeScriptError, loadScript, type LoadedScript } from './script';
import { trustedCas } from '../transport/trust';
import { stateRoot } from '../security/keystore';
import { defaultWorkers, startWorkerFleet } from './workers';
import type { MetricFamilies, StationMetrics } from './metrics';
import { type RunRecorder, type RunReport, reportCommand } from './run-report';
import { RunFiles } from './run-files';
import { announceUi, startUi } from './ui';

// The CSMS (express, ftp-srv, node-forge) and the web server load only when asked for: a
// `--cps` fleet or a script sends its first frame about 150 ms sooner.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const csmsMode = (): typeof import('./csms-mode') => require('./csms-mode') as typeof import('./csms-mode');
const startCsms = async (o: CliOptions, log: Log): Promise<CsmsSetup> => csmsMode().startCsms(o, log);
const stopCsms = async (csms: CsmsSetup | undefined): Promise<void> => {
  if (csms) await csmsMode().stopCsms(csms);
};

/** The `observe` hook of a run's stations: shown on `log`, kept in `live`, failed handlers counted. */
function observe(log: Log, live: Set<AnyStation>, failures: HandlerFailures, script: () => LoadedScript | undefined, metrics?: StationMetrics, recorder?: RunRecorder): (cp: AnyStation) => void {
  return (cp) => {
    const describe = (err: unknown): string => {
      const s = script();
      return s ? describeScriptError(err, s.filename) : String(err);
    };
    live.add(cp);
    metrics?.watch(cp);
    recorder?.watch(cp, describe);
    observeStation(log, cp, failures, describe);
  };
}

async function run(argv: string[]): Promise<number> {
  if (argv[0] === 'report') return reportCommand(argv.slice(1));
  let o = parseArgs(argv);
  if (o.optionsFile !== undefined) {
    applyOptionsFile(o.optionsFile);
    o = parseArgs(argv); // the file's settings are now environment defaults; the flags win over them
  }
  if (o.help) {
    console.log(HELP);
    return 0;
  }
  // Alone, the CSMS's own view is the one to show at --v.
  const pattern = o.csms && o.logPattern === VERBOSITY.v ? VERBOSITY.v1 : o.logPattern;
  const out = o.logFile ? fs.createWriteStream(o.logFile, { flags: 'a' }) : process.stdout;
  const log = new Log(pattern, o.silent, out);
  if (o.insecure) process.stderr.write('WARNING: TLS certificate and host-name verification is OFF (--insecure): lab use only\n');
  ignoreTlsEnvSwitch();
  if (o.csms) return csmsMode().runCsmsMode(o, log);
  if (o.cps !== undefined) return runFleet(o, log, out);
  if (serverMode(o)) return runServer(o, log);

  return runScript(o, log);
}

/**
 * A script run: the body, then as long as its work lasts (lifetime.ts). Exit status 1 when the
 * script failed (an uncaught error or rejection, also after the body returned) or a handler
 * failed; the last line on stderr says which.
 */
async function runScript(o: CliOptions, log: Log): Promise<number> {
  const csms = o.withCsms ? await startCsms(o, log) : undefined;
  if (csms && !process.env.CSMS_URL) process.env.CSMS_URL = csms.url;
  let loaded: LoadedScript | undefined;
  const live = new Set<AnyStation>();
  const failures = new HandlerFailures();
  const work = new ScriptWork(live);
  const clock = o.virtualClock ? new VirtualScheduler() : realScheduler;
  const served = await startMetrics(o, { stations: true, csms });
  const scriptName = o.script ?? 'stdin.js';
  // The JUnit test case is named as errors show the script: relative to the working directory.
  const shownName = path.relative(process.cwd(), path.resolve(scriptName)) || scriptName;
  const files = new RunFiles(o, `ocpp-sim ${shownName}`, shownName);
  const watch = observe(log, live, failures, () => loaded, served.stations, files.recorder);
  const hold = (cp: AnyStation): void => {
    watch(cp);
    cp.on('released', work.recheck);
  };
  // connect.clock: the charge points' clock; connect.csms: the embedded mock CSMS (--with-csms), so a script can play both sides.
  const connect = Object.assign(makeConnect({ ...modelOptions(o, csms), scheduler: clock, observe: hold }), { clock, csms });
  const scriptFailed = (line: string): void => {
    log.error(line);
    files.scriptFailed(line);
    process.exitCode = 1;
  };
  const scriptError = (err: unknown): void => scriptFailed(loaded ? describeScriptError(err, loaded.filename) : String(err));
  // An error the script did not catch (a promise it did not await, a throw in a timer or in an
  // event of its own) ends the run as one in the body does: one line, exit status 1.
  let crashed!: () => void;
  const crash = new Promise<void>((resolve) => (crashed = resolve));
  const uncaught = (err: unknown): void => {
    scriptError(err);
    crashed();
  };
  process.on('unhandledRejection', uncaught);
  process.on('uncaughtException', uncaught);
  const keepAlive = holdProcess();
  try {
    loaded = o.script !== undefined ? await loadScript({ file: o.script }) : await loadScript({ text: await readStdin() });
    process.argv = [process.argv[0]!, loaded.filename, ...o.scriptArgs];
    await Promise.race([loaded.fn(connect, scriptLogger(log), lazyAxios(), connect.many), crash]);
    await Promise.race([work.bound(), crash]);
    const open = work.stillOpen();
    if (process.exitCode === undefined) {
      if (open.length > 0) process.stderr.write(`script returned; still open: ${open.join(', ')} — Ctrl-C to stop\n`);
      await work.finished(crash);
    }
  } catch (err) {
    scriptFailed(describeScriptError(err, loaded?.filename ?? path.resolve(scriptName)));
  } finally {
    clearInterval(keepAlive);
    await work.closeAll();
    await served.stop();
    files.write(csms, [], (line) => {
      log.error(line);
      process.exitCode = 1;
    });
    await stopCsms(csms);
    const failed = failures.summary();
    if (failed) {
      log.error(`${failed}: exit status 1`);
      process.exitCode = 1;
    }
    await log.flush();
  }
  return Number(process.exitCode ?? 0);
}

/**
 * `--o FILE`: put the earlier tool's options file into the environment, as its start.sh did by
 * sourcing it (over the inherited environment, under the command line's flags).
 */
function applyOptionsFile(file: string): void {
  let settings: Map<string, string>;
  let skipped = 0;
  const warn = (line: string): void => void (++skipped <= 3 && process.stderr.write(`warning: ${line}\n`));
  try {
    settings = readOptionsFile(file, process.env, warn);
    if (skipped > 3) process.stderr.write(`warning: ${file}: ${skipped - 3} more lines that are not NAME=value settings ignored\n`);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new UsageError(`--o reads an options file (NAME=value lines), and ${file} cannot be read: ${why}; log lines go to a file with --log-file FILE`);
  }
  for (const [name, value] of settings) process.env[name] = value;
}

/**
 * Verification is always on unless `--insecure` (README "Trust"). Every TLS client here passes
 * `rejectUnauthorized` explicitly; the variable is also removed from the environment, because
 * Node reads it at each TLS connection that does not (a script's axios) and would print a warning
 * saying the opposite of this line.
 */
function ignoreTlsEnvSwitch(): void {
  if (process.env.NODE_TLS_REJECT_UNAUTHORIZED === undefined) return;
  process.stderr.write('NODE_TLS_REJECT_UNAUTHORIZED is ignored: TLS certificates are always verified; --insecure is the switch (lab use)\n');
  delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
}

/**
 * Charge-point options every mode shares: validation, trusted CAs (plus the embedded CSMS's test
 * CA), security settings, profile, state directory.
 */
function modelOptions(o: CliOptions, csms?: CsmsSetup): AnyStationOptions {
  const extra = trustedCas(o.caFiles, o.caDirs);
  const ca = csms?.pki ? [...(extra ?? tls.rootCertificates), csms.pki.ca.cert] : extra;
  const tlsOptions: NonNullable<AnyStationOptions['tls']> = {};
  if (ca) tlsOptions.ca = ca;
  if (o.insecure) tlsOptions.rejectUnauthorized = false;
  if (o.tlsCiphers) tlsOptions.ciphers = o.tlsCiphers;
  if (o.protocol === 'ocpp2.0.1') {
    return {
      protocol: o.protocol,
      validation: o.validation,
      tls: Object.keys(tlsOptions).length > 0 ? tlsOptions : undefined,
      password: o.password,
      profile: o.profile !== undefined ? (readProfile(o.profile, STATION_PROFILE_KEYS) as object) : undefined,
      stateDir: o.stateDir,
    };
  }
  return {
    validation: o.validation,
    tls: Object.keys(tlsOptions).length > 0 ? tlsOptions : undefined,
    password: o.password,
    authorizationKeyEncoding: o.authKeyRaw ? 'raw' : undefined,
    securityProfile: o.securityProfile,
    profile: o.profile !== undefined ? readProfile(o.profile) : undefined,
    stateDir: o.stateDir,
  };
}

/** A `--cps` fleet's charge-point options: one version's, or with a version mix each share's (fleet-mix.ts). */
function fleetOptions(o: CliOptions, csms?: CsmsSetup): AnyStationOptions & Pick<FleetSettings, 'mix'> {
  if (!o.protocolMix) return modelOptions(o, csms);
  return { mix: o.protocolMix.map((share) => ({ weight: share.weight, options: modelOptions({ ...o, protocol: share.protocol }, csms) })) };
}

/** No script: the web UI, its REST API and bridge (and the mock CSMS with `--with-csms`), until Ctrl-C. */
async function runServer(o: CliOptions, log: Log): Promise<number> {
  const csms = o.withCsms ? await startCsms(o, log) : undefined;
  const live = new Set<AnyStation>();
  let web;
  try {
    const state = o.noState ? undefined : { dir: o.stateDir ?? path.join(stateRoot(), 'server', String(o.webPort)), keepFrames: o.keepFrames };
    // 1.6 and 2.0.1 charge points alike: the same log lines, frames with --v.
    web = await startUi(o, csms, { ...(modelOptions(o, csms) as ChargepointOptions), observe: observe(log, live, new HandlerFailures(), () => undefined) }, state, (line) => log.warn(line));
  } catch (err) {
    await stopCsms(csms);
    throw err;
  }
  // A stray rejection (a follow-up of a charge point, a handler of a stopped console script) must not end the server.
  const report = (err: unknown): void => log.error(`server: ${err instanceof Error ? err.stack?.split('\n').slice(0, 2).join(' ') : String(err)}`);
  process.on('unhandledRejection', report);
  process.on('uncaughtException', report);
  const r = web.restored;
  announceUi(web, csms, [r
    ? `  state in ${r.dir}: restored ${r.ids.length} charge point(s)${r.ids.length ? ` (${r.reconnecting.length} reconnecting, ${r.queuedMessages} queued transaction message(s)${o.keepFrames ? `, frames of ${r.framesRestored}` : ''})` : ''} (--no-state for none)`
    : '  charge points kept in memory only (--no-state)']);
  await untilSignal();
  await web.close();
  await stopCsms(csms);
  await log.flush();
  return 0;
}

/** About ten progress lines for a big fleet, none for a handful. */
function progressPrinter(): (done: number, failed: number, all: number) => void {
  let shown = 0;
  return (done, failed, all) => {
    if (all >= 20 && (done === all || done - shown >= all / 10)) {
      shown = done;
      process.stderr.write(`  ${done}/${all} connecting…${failed ? ` (${failed} failed)` : ''}\n`);
    }
  };
}

/** `--cps N [--shard i/n] [--workers W]`: a fleet with default behaviour, until Ctrl-C. */
async function runFleet(o: CliOptions, log: Log, out: NodeJS.WritableStream): Promise<number> {
  const csms = o.withCsms ? await startCsms(o, log) : undefined;
  const url = o.url ?? csms!.url;
  const total = o.cps!;
  const mine = o.shard ? shardRange(total, o.shard) : { start: 0, count: total };
  // --report, --junit and --metrics-port gather the worker threads' records, so none of them forces one thread;
  // --ui shows this thread's charge points (args.ts refuses --workers above 1 with it).
  const workers = Math.min(o.workers ?? (o.ui ? 1 : defaultWorkers(mine.count)), Math.max(1, mine.count));
  const shardHint = o.shard ? ` (shard ${o.shard.index}/${o.shard.count} of ${total})` : '';
  const threadHint = workers > 1 ? ` on ${workers} worker threads` : '';
  const mixHint = o.protocolMix ? `, versions ${o.protocolMix.map((s) => `${s.protocol}:${s.weight}`).join(',')}` : '';
  process.stderr.write(`starting ${mine.count} charge point(s) against ${url}${fleetIdHint(o, mine)}${shardHint}${threadHint}${mixHint}\n`);
  const progress = progressPrinter();
  const failures = new HandlerFailures();
  // With worker threads each counts its own charge points; a scrape adds their series up.
  let askWorkers: () => Promise<MetricFamilies[]> = async () => [];
  const served = await startMetrics(o, { stations: workers === 1, csms, workers: workers > 1 ? () => askWorkers() : undefined });
  const files = new RunFiles(o, `ocpp-sim --cps ${total}${o.shard ? ` --shard ${o.shard.index}/${o.shard.count}` : ''}`);
  // --ui: the registry adopts each charge point as it is made, so the UI shows the fleet from its first frame.
  const live = new Set<AnyStation>();
  const watch = observe(log, live, failures, () => undefined, served.stations, files.recorder);
  const web = o.ui ? await startUi(o, csms, { ...(modelOptions(o, csms) as ChargepointOptions), observe: watch }, undefined, (line) => log.warn(line)) : undefined;
  if (web) announceUi(web, csms);
  let started: number;
  let failed = 0;
  let versions = new VersionTally();
  let close: () => Promise<RunReport[]>;
  if (workers > 1) {
    const fleet = await startWorkerFleet(
      { url, total, shard: o.shard, idPrefix: o.idPrefix, options: fleetOptions(o, csms), logPattern: o.logPattern, silent: log.silent, metrics: o.metricsPort !== undefined, record: files.recorder !== undefined },
      workers,
      { out, err: process.stderr, failures, metricsFrom: (ask) => (askWorkers = ask) },
      progress,
    );
    ({ started, failed, versions } = fleet);
    close = () => fleet.close();
  } else {
    const fleet = await connectMany(url, total, {
      ...fleetOptions(o, csms),
      idPrefix: o.idPrefix,
      shard: o.shard,
      observe: web ? (cp: AnyStation) => (watch(cp), web.registry.adopt(cp.id, cp)) : watch,
      onProgress: (done, all, cp, connected) => {
        versions.add(cp, connected);
        if (!connected) failed++;
        progress(done, failed, all);
      },
    });
    started = fleet.length;
    close = async () => {
      await Promise.all(fleet.map((cp) => cp.close()));
      return [];
    };
  }
  const keepAlive = holdProcess();
  // Listening before the line that invites Ctrl-C: a signal sent on reading it must not meet Node's default (exit without a summary).
  const signalled = untilSignal();
  process.stderr.write(`${started - failed} of ${started} connected${versions.hint()}${failed ? `, ${failed} not connected (why, and whether they retry: the lines above)` : ''}${threadHint}; Ctrl-C to stop\n`);
  await signalled;
  clearInterval(keepAlive);
  // Recorded before closing, so `connected` says how the fleet stood when it was stopped (workers do the same).
  files.freeze();
  const workerReports = await close();
  let unwritten = false;
  files.write(csms, workerReports, (line) => {
    log.error(line);
    unwritten = true;
  });
  await web?.close();
  await served.stop();
  await stopCsms(csms);
  // The batch's last line: a handler that failed on the way is a failed run.
  const failedHandlers = failures.summary();
  process.stderr.write(`stopped ${started} charge point(s); ${failedHandlers ?? 'no handler failed'}\n`);
  await log.flush();
  return failedHandlers || unwritten ? 1 : 0;
}

function fleetIdHint(o: CliOptions, mine: { start: number; count: number }): string {
  if (mine.count === 0) return '';
  const first = fleetId(o.idPrefix, mine.start + 1, o.cps!);
  return mine.count === 1 ? ` as ${first}` : ` as ${first}…${fleetId(o.idPrefix, mine.start + mine.count, o.cps!)}`;
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\nTry --help.\n`);
      process.exit(2);
    }
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
