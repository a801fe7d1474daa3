/**
 * `--csms`: the mock CSMS as a product: standalone with its operator console (on a terminal),
 * REST API, periodic commands and conformance report, or running a CSMS script.
 * @module
 */
import fs from 'node:fs';
import path from 'node:path';
import { PeriodicCommands, DEFAULT_FILE_SERVER_URL, checkCommand, parseCommands, type PeriodicCommand, type RoundSummary } from '../csms/commands';
import { startConsole } from '../csms/console';
import { startFtpServer, type EmbeddedFtpServer } from '../csms/ftp-server';
import { startHttpApi, type HttpApi } from '../csms/http-api';
import { MockCsms } from '../csms/mock-csms';
import { loadPasswordFile } from '../csms/policy';
import { parseSubprotocols } from '../ocpp/protocols';
import { loadCsmsScript, runCsmsScript } from '../csms/script-api';
import { stateRoot } from '../security/keystore';
import { loadOrCreatePki, type Pki } from '../security/pki';
import { usage, type CliOptions } from './args';
import type { Log } from './log';
import { describeScriptError } from './script';
import { junitXml } from './junit';
import { reportOf, type ChargePointResult } from './run-report';
import { holdProcess, lazyAxios, readStdin, scriptLogger, startMetrics, untilSignal } from './support';

/** The mock CSMS with what `--tls` and `--ftp` add; scripts see `pki` and `ftp` on `connect.csms`. */
export type CsmsSetup = MockCsms & { pki?: Pki; ftp?: EmbeddedFtpServer };

function readPem(file: string, flag: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${flag}: cannot read ${file}: ${(err as Error).message}`);
  }
}

/**
 * Where a `--csms` run keeps the CSMS's records: `--state-dir`, else, for a standalone CSMS on
 * a fixed port, `${XDG_STATE_HOME:-~/.local/state}/ocpp-sim/csms/PORT` (one directory per port,
 * so CSMSs on two ports never share one). None with `--no-state`, for `--with-csms` (there
 * `--state-dir` is the charge points'), for a CSMS script (a test scenario starts clean), or
 * with `--port 0` (a new port each run: charge points could not come back to it anyway).
 * @param o The command line.
 */
export function csmsStateDir(o: CliOptions): string | undefined {
  if (!o.csms || o.noState) return undefined;
  if (o.stateDir !== undefined) return o.stateDir;
  const standalone = o.script === undefined && !o.stdin;
  return standalone && o.port !== 0 ? path.join(stateRoot(), 'csms', String(o.port)) : undefined;
}

/**
 * Start the mock CSMS as the command line describes it (TLS, passwords, policy, order checks, FTP).
 * @param o The command line.
 * @param log Where its events go.
 */
export async function startCsms(o: CliOptions, log: Log): Promise<CsmsSetup> {
  const protocols = o.protocols === undefined ? undefined : usage(() => parseSubprotocols(o.protocols!));
  const pki = o.tls ? await loadOrCreatePki(o.pkiDir) : undefined;
  const server = o.tlsCert !== undefined ? { cert: readPem(o.tlsCert, '--tls-cert'), key: readPem(o.tlsKey!, '--tls-key') } : pki?.server;
  const csms: CsmsSetup = new MockCsms({
    port: o.port,
    host: o.host,
    protocols,
    heartbeatInterval: o.heartbeatInterval,
    validation: o.validation,
    password: o.password,
    passwords: o.passwordFile !== undefined ? loadPasswordFile(o.passwordFile) : undefined,
    bootStatus: o.bootStatus,
    bootStatusSequence: o.bootStatusSequence,
    authMode: o.authMode,
    whitelist: o.whitelist,
    blacklist: o.blacklist,
    offline: o.offline,
    rateLimit: o.rateLimit,
    stateDir: csmsStateDir(o),
    // A CSMS for a script (--with-csms) serves scripts that skip the boot on purpose; standalone it is strict.
    discipline: o.lenient || o.withCsms ? false : { requireAccepted: !o.noRequireAccepted },
    pki: pki?.ca,
    tls: server && {
      ...server,
      ca: o.clientCert ? [pki!.ca.cert, ...o.caFiles.map((f) => readPem(f, '--ca'))] : undefined,
      requireClientCert: o.clientCert,
    },
  });
  // --csms says it without --v (who is connected is what its operator watches first); for a
  // script's embedded CSMS (--with-csms) it is an event line, the script's output stays its own.
  const connected = (text: string): void => (o.csms ? log.notice(text) : log.line('csms:event', text));
  csms.on('connect', (s) => connected(`csms: ${s.id} connected (OCPP ${s.version}) from ${s.address}${s.peerCertificate ? ` with client certificate CN=${s.peerCertificate.subject}` : ''}`));
  csms.on('disconnect', (s) => log.line('csms:event', `csms: ${s.id} disconnected`));
  csms.on('warning', (s, line: string) => log.warn(`csms: ${s.id}: ${line}`));
  csms.on('stateWarning', (line: string) => log.warn(`csms: state: ${line}`));
  csms.on('refused', (_id: string, reason: string) => log.warn(`csms: refused ${reason}`));
  csms.on('refusedCall', (s: { id: string }, action: string, code: string, description?: string) => log.warn(`csms: ${s.id}: ${action} answered ${code}${description ? `: ${description}` : ''}`));
  csms.probes?.on('finding', (cpId: string, f: { probe: string; detail: string }) => log.warn(`csms: ${cpId}: conformance probe ${f.probe}: ${f.detail}`));
  csms.on('certificateSigned', (s, r: { status?: string; error?: string }) =>
    log.line('csms:event', `csms: ${s.id}: CertificateSigned ${r.error ? `failed: ${r.error}` : `answered ${r.status}`}`),
  );
  if (log.enabled('csms:frame')) csms.on('frame', (s, e) => log.frame('csms:frame', `csms ${s.id}`, e));
  try {
    await csms.listen();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code === 'EADDRINUSE' ? `mock CSMS: port ${o.port} is in use (another CSMS running? pick one with --port)` : `mock CSMS: ${(err as Error).message}`);
  }
  csms.pki = pki;
  if (o.ftp) {
    try {
      csms.ftp = await startFtpServer({ port: o.ftpPort, host: o.host, user: 'ocpp', password: 'ocpp', tls: server });
    } catch (err) {
      await csms.close();
      const code = (err as NodeJS.ErrnoException).code;
      throw new Error(code === 'EADDRINUSE' ? `FTP server: port ${o.ftpPort} is in use (pick one with --ftp-port)` : `FTP server: ${(err as Error).message}`);
    }
    if (!process.env.FTP_URL) process.env.FTP_URL = csms.ftp.url;
    if (csms.ftp.ftpsUrl && !process.env.FTPS_URL) process.env.FTPS_URL = csms.ftp.ftpsUrl;
  }
  return csms;
}

/** Stop the CSMS and its FTP server. @param csms What {@link startCsms} returned. */
export async function stopCsms(csms: CsmsSetup | undefined): Promise<void> {
  await Promise.all([csms?.close(), csms?.ftp?.close()]);
}


/** The FTP base URL default command payloads point at (the embedded server when there is one). */
function fileServerUrl(csms: CsmsSetup): string {
  return csms.ftp ? csms.ftp.url : DEFAULT_FILE_SERVER_URL;
}

/** How the CSMS introduces itself on start. */
function banner(o: CliOptions, csms: CsmsSetup, http: HttpApi | undefined, periodic: readonly PeriodicCommand[]): void {
  const versions = csms.protocols.map((p) => p.replace(/^ocpp/, '')).join(', ');
  console.log(`mock CSMS listening on ${csms.url}<charge point id> (OCPP ${versions}; Ctrl-C to stop)`);
  if (csms.pki) {
    console.log(`  charge points trust it with --ca ${csms.pki.caPath}${o.tlsCert !== undefined ? ' (signs CSRs; the server certificate is --tls-cert)' : ''}`);
    if (o.clientCert) console.log(`  client certificates required (security profile 3), signed by that CA (key ${path.join(csms.pki.dir, 'ca.key')})`);
  }
  if (o.password !== undefined) console.log('  Basic auth: user <charge point id>, password from --password');
  if (csms.ftp) console.log(`  FTP server: ${csms.ftp.url}${csms.ftp.ftpsUrl ? ` (FTPS: ${csms.ftp.ftpsUrl})` : ''} serving ${csms.ftp.root}`);
  if (http) console.log(`  REST API: ${http.url}/list${http.token !== undefined ? ` (every request needs the token: Authorization: Bearer ${http.token})` : ''}`);
  const stateDir = csmsStateDir(o);
  console.log(stateDir !== undefined ? `  records kept in ${stateDir} (--no-state for none)` : '  records kept in memory only (--state-dir DIR to keep them)');
  if (o.authMode && o.authMode !== 'normal') console.log(`  Authorize: ${o.authMode}${o.rateLimit ? ` (${o.rateLimit.count} per ${o.rateLimit.perS} s per charge point, the rest throttled)` : ''}`);
  if (o.offline) console.log('  Authorize is never answered (--offline)');
  for (const c of periodic) console.log(`  every ${c.periodS} s: ${c.action} to every charge point`);
}

/**
 * Run `--csms`: standalone until Ctrl-C (or the console's end), or a CSMS script until it
 * finishes. Writes `--report` and honours `--assert-clean` on the way out.
 * @param o The command line.
 * @param log Where events and warnings go.
 * @returns The exit status.
 */
export async function runCsmsMode(o: CliOptions, log: Log): Promise<number> {
  const periodic = periodicCommands(o);
  const csms = await startCsms(o, log);
  const junit = o.junit !== undefined ? stationsForJunit(csms) : undefined;
  let http: HttpApi | undefined;
  let commands: PeriodicCommands | undefined;
  let metrics: { stop(): Promise<void> } | undefined;
  let status = 0;
  try {
    metrics = await startMetrics(o, { csms });
    const standalone = o.script === undefined && !o.stdin;
    if (!o.noHttp && (standalone || o.httpPort !== undefined)) {
      const port = o.httpPort ?? 8080;
      try {
        http = await startHttpApi(csms, { port, host: o.host, fileServerUrl: fileServerUrl(csms), token: o.token });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new Error(code === 'EADDRINUSE' ? `mock CSMS REST API: port ${port} is in use (pick one with --http-port, or --no-http)` : `mock CSMS REST API: ${(err as Error).message}`);
      }
    }
    if (periodic.length > 0) {
      commands = new PeriodicCommands(csms, periodic, { fileServerUrl: fileServerUrl(csms) });
      // One line per round, whatever the number of stations (1,000 stations at --period 1: one line a second).
      commands.on('round', (r: RoundSummary) =>
        log.notice(`csms: ${r.action} sent to ${r.sent.length === 1 ? r.sent[0] : `${r.sent.length} charge points`}${r.skipped > 0 ? ` (${r.skipped} skipped)` : ''}`),
      );
      commands.on('result', (r: { cpId: string; action: string; response?: unknown }) => log.line('csms:event', `csms: ${r.cpId}: ${r.action} → ${JSON.stringify(r.response)}`));
      commands.on('error', (r: { cpId: string; action: string; error?: Error }) => log.warn(`csms: ${r.cpId}: ${r.action} failed: ${r.error?.message ?? 'unknown error'}`));
      // A skip is said once until the reason changes (no line per round for a station without a transaction).
      const said = new Map<string, string>();
      commands.on('result', (r: { cpId: string; action: string }) => said.delete(`${r.cpId}\u0000${r.action}`));
      commands.on('skipped', (cpId: string, action: string, why: string) => {
        const key = `${cpId}\u0000${action}`;
        if (said.get(key) === why) return;
        said.set(key, why);
        log.warn(`csms: ${cpId}: ${action} skipped: ${why}`);
      });
      commands.on('unsupported', (cpId: string, action: string, why: string) => log.warn(`csms: ${cpId}: ${action} skipped: ${why}`));
      commands.start();
    }
    if (standalone) {
      banner(o, csms, http, periodic);
      await untilSignalOrConsole(csms);
    } else {
      status = await runScript(o, csms, log);
    }
  } finally {
    commands?.stop();
    await http?.close();
    await metrics?.stop();
    await stopCsms(csms);
  }
  if (junit) junit.write(o.junit!, log);
  return Math.max(status, conclude(o, csms));
}

/**
 * `--csms --junit FILE`: every charge point that connected is a test case (its version,
 * connections, time connected); the probes' findings about it are its failures (charger CI).
 */
function stationsForJunit(csms: CsmsSetup): { write(file: string, log: Log): void } {
  const startedAt = new Date();
  const started = performance.now();
  // `open` counts connections, not stations: a station that takes over its own id is connected while either is.
  const seen = new Map<string, ChargePointResult & { open: number; since: number; connectedMs: number }>();
  csms.on('connect', (s: { id: string; protocol: { subprotocol: string } }) => {
    const r = seen.get(s.id) ?? { id: s.id, protocol: s.protocol.subprotocol, connected: false, connections: 0, calls: {}, failures: [], open: 0, since: 0, connectedMs: 0 };
    seen.set(s.id, r);
    r.protocol = s.protocol.subprotocol;
    r.connections!++;
    if (r.open++ === 0) r.since = performance.now();
  });
  csms.on('disconnect', (s: { id: string }) => {
    const r = seen.get(s.id);
    if (r && r.open > 0 && --r.open === 0) r.connectedMs += performance.now() - r.since;
  });
  return {
    write(file, log) {
      const now = performance.now();
      const chargePoints = [...seen.values()].map(({ open, since, connectedMs, ...r }) => ({ ...r, connected: open > 0, seconds: Math.round(connectedMs + (open > 0 ? now - since : 0)) / 1000 }));
      const report = reportOf(chargePoints, csms.probes?.report() ?? {});
      try {
        fs.writeFileSync(file, junitXml({ suite: 'ocpp-sim --csms', startedAt, seconds: (now - started) / 1000, report }));
      } catch (err) {
        log.error(`--junit ${file} could not be written: ${(err as Error).message}`);
      }
    },
  };
}

/** `--command …` and `--commands …`, checked against the action tables and the schemas: a mistake is a usage error. */
function periodicCommands(o: CliOptions): PeriodicCommand[] {
  return usage(() => [...o.commands.map(checkCommand), ...o.commandLists.flatMap(parseCommands)]);
}

/**
 * Until Ctrl-C or `exit` / `quit` on the operator console. On a terminal Ctrl-D ends it too; from
 * a pipe or a file the console reads commands quietly (no greeting, no live meter lines), and the
 * end of that input is not the end of the CSMS (a CSMS started in the background reads /dev/null).
 */
async function untilSignalOrConsole(csms: CsmsSetup): Promise<void> {
  const terminal = process.stdin.isTTY === true;
  await new Promise<void>((resolve) => {
    const handle = startConsole(csms, process.stdin, process.stdout, { onExit: resolve, onClose: terminal ? resolve : undefined, liveMeterValues: terminal, greeting: terminal });
    void untilSignal().then(() => {
      handle.close();
      resolve();
    });
  });
}

/** `--csms script.js`: the script gets `(csms, logger, axios)`; resolves with the exit status. */
async function runScript(o: CliOptions, csms: CsmsSetup, log: Log): Promise<number> {
  const file = o.script !== undefined ? path.resolve(o.script) : 'stdin.js';
  const logger = scriptLogger(log);
  const keepAlive = holdProcess();
  try {
    const loaded = o.script !== undefined ? await loadCsmsScript({ file: o.script }) : await loadCsmsScript({ text: await readStdin() });
    process.argv = [process.argv[0]!, loaded.filename, ...o.scriptArgs];
    await runCsmsScript(csms, loaded, { logger, axios: lazyAxios(), onHandlerError: (err: unknown) => log.error(describeScriptError(err, loaded.filename)) });
    return 0;
  } catch (err) {
    log.error(describeScriptError(err, file));
    return 1;
  } finally {
    clearInterval(keepAlive);
  }
}

/** Write `--report` and judge `--assert-clean`; returns 1 when the charge points broke a rule and that matters. */
function conclude(o: CliOptions, csms: CsmsSetup): number {
  const report = csms.probes?.report() ?? {};
  if (o.report !== undefined) fs.writeFileSync(o.report, `${JSON.stringify(report, null, 2)}\n`);
  const findings = Object.values(report).reduce((n, list) => n + list.length, 0);
  if (!o.assertClean) return 0;
  if (findings === 0) {
    process.stderr.write('conformance: clean (no probe fired)\n');
    return 0;
  }
  process.stderr.write(`conformance: ${findings} finding(s) in ${Object.keys(report).length} charge point(s)${o.report !== undefined ? `, see ${o.report}` : ''}\n`);
  return 1;
}
