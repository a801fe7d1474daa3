/**
 * Command-line flags of start.sh / `ocpp-sim`, and the help text.
 * @module
 */
import type { PeriodicCommand } from '../csms/commands';
import { AUTH_MODES, parseBootStatusSequence, type AuthMode, type RegistrationStatus } from '../csms/policy';
import { parseSubprotocol, type Subprotocol } from '../ocpp/protocols';
import { parseVersionMix, type VersionShare } from '../chargepoint/fleet-mix';
import type { ValidationMode } from '../ocpp/validator';
import { isLoopback } from '../security/http-access';
import { checkCipherList } from '../transport/client';
import { VERBOSITY } from './log';

/** Parsed command line. */
export interface CliOptions {
  /** Namespaces to log (from `--v`, `--v1`, `--v2`, `--vv` or `DEBUG`). */
  logPattern: string;
  /** `--s`: no output but errors and the script's own. */
  silent: boolean;
  /** `--stdin`: read the script from standard input. */
  stdin: boolean;
  /** Script path. */
  script?: string;
  /** Arguments after the script path (visible to the script in `process.argv`). */
  scriptArgs: string[];
  /** `--csms`: run the mock CSMS (alone, or with a CSMS script in a later version). */
  csms: boolean;
  /** `--with-csms`: start the mock CSMS in-process for the script. */
  withCsms: boolean;
  /** `--port`: mock CSMS port. */
  port: number;
  /** `--host`: mock CSMS bind address. */
  host: string;
  /** `--heartbeat-interval`: interval the mock CSMS hands out (s). */
  heartbeatInterval: number;
  /** Validation per direction. */
  validation: { inbound: ValidationMode; outbound: ValidationMode };
  /** `--o FILE`: the earlier tool's options file (environment settings, read before the run; never written). */
  optionsFile?: string;
  /** `--log-file FILE`: append log lines to this file instead of stdout. */
  logFile?: string;
  /** `--ca` files and `--cadir` directories of extra trusted CAs. */
  caFiles: string[];
  /** `--cadir` directories. */
  caDirs: string[];
  /** `--cps N`: run N charge points with default behaviour (no script needed). */
  cps?: number;
  /** `--url`: CSMS URL the fleet's ids are appended to. */
  url?: string;
  /** `--id-prefix`: fleet id prefix (default CP). */
  idPrefix: string;
  /** `--workers N`: worker threads a `--cps` fleet is spread over (default: 1 below 2,000 charge points, else the CPU count). */
  workers?: number;
  /** `--ui`: a `--cps` fleet is also served in the web UI (server mode's PORT, BIND and token rules). */
  ui: boolean;
  /** `--shard i/n`: run only block i of n of the `--cps` fleet's ids. */
  shard?: { index: number; count: number };
  /** `--protocol V`: the OCPP version of charge points a script or `--cps` opens (`1.6`, default, or `2.0.1`). */
  protocol?: Subprotocol;
  /** `--protocol 1.6:70,2.0.1:30` (or `1.6,2.0.1`): a `--cps` fleet of both versions in these shares. */
  protocolMix?: VersionShare[];
  /** `--profile FILE`: station profile JSON (identity, hardware, configuration). */
  profile?: string;
  /** `--state-dir DIR`: persist charge-point state and queued transaction messages; with `--csms`, the CSMS's records. */
  stateDir?: string;
  /** `--no-state`: the mock CSMS (`--csms`), or server mode, keeps nothing across restarts. */
  noState: boolean;
  /** `--keep-frames`: server mode keeps each charge point's recent frames across restarts. */
  keepFrames: boolean;
  /** `--virtual-clock`: charge points run on a virtual clock the script advances (`connect.clock.advance(ms)`). */
  virtualClock: boolean;
  /** `--tls`: the mock CSMS serves `wss://` (certificate from the PKI, or `--tls-cert`). */
  tls: boolean;
  /** `--pki-dir DIR`: the mock CSMS's test PKI (default `${XDG_STATE_HOME:-~/.local/state}/ocpp-sim/pki`). */
  pkiDir?: string;
  /** `--tls-cert FILE`: own server certificate (PEM) instead of the PKI's. */
  tlsCert?: string;
  /** `--tls-key FILE`: its private key (PEM). */
  tlsKey?: string;
  /** `--client-cert`: the mock CSMS requires client certificates (security profile 3). */
  clientCert: boolean;
  /** `--password PW`: Basic-auth password of the mock CSMS and of the charge points. */
  password?: string;
  /** `--ftp`: start the embedded FTP server next to the mock CSMS. */
  ftp: boolean;
  /** `--ftp-port N`: its port (default 2121). */
  ftpPort: number;
  /** `--auth-key-raw`: charge points send the AuthorizationKey as raw bytes, not hex text. */
  authKeyRaw: boolean;
  /** `--insecure`: charge points skip TLS certificate and host-name verification. */
  insecure: boolean;
  /** `--tls-ciphers LIST`: TLS 1.2 cipher suites the charge points offer (default: the four of OCPP's security profiles). */
  tlsCiphers?: string;
  /** `--security-profile N`: charge points' initial SecurityProfile (0–3). */
  securityProfile?: number;
  /** `--token T` (or `OCPP_SIM_TOKEN`): the access token of server mode (and of the mock CSMS's REST API on a non-loopback `--host`). */
  token?: string;
  /** `--no-token`: server mode on a loopback BIND without a token (anyone on this machine may run console scripts). */
  noToken: boolean;
  /** `--script-timeout S`: server mode stops a console script after S seconds (default 60). */
  scriptTimeoutS: number;
  /** Server mode: web UI port (`PORT`, default 3000); the bridge takes the next one. */
  webPort: number;
  /** Server mode: bind address (`BIND`, default 127.0.0.1). */
  bind: string;
  /** `--boot-status`: the mock CSMS's BootNotification answer. */
  bootStatus?: RegistrationStatus;
  /** `--boot-status-sequence`: answers per charge point in turn, the last one repeating. */
  bootStatusSequence?: RegistrationStatus[];
  /** `--auth-mode`: how the mock CSMS answers Authorize. */
  authMode?: AuthMode;
  /** `--whitelist T…`: tokens accepted in whitelist mode. */
  whitelist?: string[];
  /** `--blacklist T…`: tokens blocked in blacklist mode. */
  blacklist?: string[];
  /** `--offline`: Authorize is never answered. */
  offline: boolean;
  /** `--password-file F`: per-charge-point Basic-auth passwords (JSON `{"CP001": "pw"}`). */
  passwordFile?: string;
  /** `--protocols LIST`: OCPP versions the mock CSMS serves, in order of preference (read when it starts). */
  protocols?: string;
  /** `--lenient`: no order checks (SecurityError before boot, StatusNotification before boot). */
  lenient: boolean;
  /** `--no-require-accepted`: only the trust check off; StatusNotification before any boot still gets GenericError. */
  noRequireAccepted: boolean;
  /** `--rate-limit N/S`: with `--auth-mode rate_limit`, N Authorize per S seconds per charge point are accepted. */
  rateLimit?: { count: number; perS: number };
  /** `--command`/`--period`/`--command-payload`: periodic CSMS-initiated calls (checked when the CSMS starts). */
  commands: PeriodicCommand[];
  /** `--commands "NAME:S,…"` texts (parsed when the CSMS starts, so the schema validator loads only then). */
  commandLists: string[];
  /** `--http-port N`: the mock CSMS's REST API (default 8080 with `--csms`; 0 picks a free port). */
  httpPort?: number;
  /** `--no-http`: no REST API. */
  noHttp: boolean;
  /** `--report FILE`: on exit, the CSMS's probe findings (`--csms`) or the run's report (script, `--cps`) as JSON. */
  report?: string;
  /** `--junit FILE`: a script's or `--cps` run as JUnit XML. */
  junit?: string;
  /** `--assert-clean`: exit 1 when any conformance probe fired. */
  assertClean: boolean;
  /** `--metrics-port N`: serve the run's charge points' Prometheus metrics (0 picks a free port). */
  metricsPort?: number;
  /** `--metrics-host H`: where the metrics are served (default 127.0.0.1). */
  metricsHost: string;
  /** `-h` / `--help`. */
  help: boolean;
}

/** A command-line mistake; printed with a hint to `--help`, exit code 2. */
export class UsageError extends Error {}

function mode(flag: string, value: string | undefined): ValidationMode {
  if (value === 'strict' || value === 'warn' || value === 'off') return value;
  throw new UsageError(`${flag} expects strict, warn or off (got ${value ?? 'nothing'})`);
}

/**
 * Run a parser; its error becomes a usage error (one line, exit 2).
 * @param fn The parser.
 */
export function usage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function json(flag: string, text: string): Record<string, unknown> {
  const v = usage(() => JSON.parse(text) as unknown);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new UsageError(`${flag} expects a JSON object`);
  return v as Record<string, unknown>;
}

function authMode(text: string): AuthMode {
  const m = AUTH_MODES.find((a) => a === text);
  if (!m) throw new UsageError(`--auth-mode expects one of ${AUTH_MODES.join(', ')} (got ${text})`);
  return m;
}

function integer(flag: string, value: string | undefined, min: number, max: number): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} expects an integer from ${min} to ${max}`);
  return n;
}

function shardArg(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index >= count) throw new UsageError(`--shard expects i/n with 0 <= i < n, e.g. 0/4 (got ${text})`);
  return { index, count };
}

function rateLimitArg(text: string): { count: number; perS: number } {
  const m = /^(\d+)\/(\d+(?:\.\d+)?)$/.exec(text);
  const count = Number(m?.[1]);
  const perS = Number(m?.[2]);
  if (!m || count < 1 || !(perS > 0)) throw new UsageError(`--rate-limit expects N/S: N Authorize per S seconds, e.g. 5/60 (got ${text})`);
  return { count, perS };
}

/** True when no script, `--stdin`, `--csms` or `--cps` is given: the web UI runs. */
export function serverMode(o: CliOptions): boolean {
  return o.script === undefined && !o.stdin && !o.csms && o.cps === undefined && !o.help;
}

/** Parse argv (without `node` and the program path); also applies the flags that are env variables. */
export function parseArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): CliOptions {
  const o: CliOptions = {
    logPattern: env.DEBUG ?? '',
    silent: false,
    stdin: false,
    scriptArgs: [],
    csms: false,
    withCsms: false,
    port: 8100,
    host: '127.0.0.1',
    heartbeatInterval: 300,
    validation: { inbound: 'strict', outbound: 'strict' },
    caFiles: env.SSL_CERT_FILE ? [env.SSL_CERT_FILE] : [],
    caDirs: env.SSL_CERT_DIR ? [env.SSL_CERT_DIR] : [],
    idPrefix: 'CP',
    virtualClock: false,
    tls: false,
    clientCert: false,
    ftp: false,
    ftpPort: 2121,
    authKeyRaw: false,
    insecure: false,
    offline: false,
    lenient: false,
    noRequireAccepted: false,
    noState: false,
    keepFrames: false,
    commands: [],
    commandLists: [],
    noHttp: false,
    assertClean: false,
    metricsHost: '127.0.0.1',
    token: env.OCPP_SIM_TOKEN || undefined,
    noToken: false,
    scriptTimeoutS: 60,
    webPort: 3000,
    ui: false,
    bind: env.BIND || '127.0.0.1',
    help: false,
  };
  let tokenFlag = false;
  let scriptTimeoutFlag = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    /** The values after a flag up to the next flag (`--whitelist a b c`). */
    const words = (): string[] => {
      const list: string[] = [];
      while (i + 1 < argv.length && !argv[i + 1]!.startsWith('-')) list.push(argv[++i]!);
      if (list.length === 0) throw new UsageError(`${arg} needs at least one value`);
      return list;
    };
    const lastCommand = (flag: string): PeriodicCommand => {
      const last = o.commands[o.commands.length - 1];
      if (!last) throw new UsageError(`${flag} belongs to a --command NAME before it`);
      return last;
    };
    if (o.script !== undefined) {
      o.scriptArgs.push(arg);
      continue;
    }
    switch (arg) {
      case '-h': case '--h': case '-help': case '--help': o.help = true; break;
      case '--v': o.logPattern = VERBOSITY.v; break;
      case '--v1': o.logPattern = VERBOSITY.v1; break;
      case '--v2': o.logPattern = VERBOSITY.v2; break;
      case '--vv': o.logPattern = value(); break;
      case '--s': o.silent = true; break;
      case '--d': break; // handled by start.sh (rebuild first)
      case '--stdin': o.stdin = true; break;
      case '--csms': o.csms = true; break;
      case '--with-csms': o.withCsms = true; break;
      case '--port': o.port = integer(arg, value(), 0, 65535); break;
      case '--host': o.host = value(); break;
      case '--heartbeat-interval': o.heartbeatInterval = integer(arg, value(), 1, 86400); break;
      case '--validation': o.validation.inbound = o.validation.outbound = mode(arg, value()); break;
      case '--inbound-validation': o.validation.inbound = mode(arg, value()); break;
      case '--outbound-validation': o.validation.outbound = mode(arg, value()); break;
      case '--o': o.optionsFile = value(); break;
      case '--log-file': o.logFile = value(); break;
      case '--ca': o.caFiles.push(value()); break;
      case '--cadir': o.caDirs.push(value()); break;
      case '--cps': o.cps = integer(arg, value(), 1, 1_000_000); break;
      case '--url': o.url = value(); break;
      case '--id-prefix': o.idPrefix = value(); break;
      case '--workers': o.workers = integer(arg, value(), 1, 256); break;
      case '--shard': o.shard = shardArg(value()); break;
      case '--protocol': {
        const text = value();
        // The last --protocol wins, a mix or a single version.
        o.protocolMix = /[,:]/.test(text) ? usage(() => parseVersionMix(text)) : undefined;
        o.protocol = o.protocolMix ? undefined : usage(() => parseSubprotocol(text));
        break;
      }
      case '--profile': o.profile = value(); break;
      case '--state-dir': o.stateDir = value(); break;
      case '--no-state': o.noState = true; break;
      case '--keep-frames': o.keepFrames = true; break;
      case '--virtual-clock': o.virtualClock = true; break;
      case '--tls': o.tls = true; break;
      case '--pki-dir': o.pkiDir = value(); break;
      case '--tls-cert': o.tlsCert = value(); o.tls = true; break;
      case '--tls-key': o.tlsKey = value(); break;
      case '--client-cert': o.clientCert = true; break;
      case '--password': o.password = value(); break;
      case '--ftp': o.ftp = true; break;
      case '--ftp-port': o.ftpPort = integer(arg, value(), 0, 65535); break;
      case '--auth-key-raw': o.authKeyRaw = true; break;
      case '--insecure': o.insecure = true; break;
      case '--tls-ciphers': o.tlsCiphers = usage(() => checkCipherList(value())); break;
      case '--security-profile': o.securityProfile = integer(arg, value(), 0, 3); break;
      case '--token': o.token = value(); tokenFlag = true; break;
      case '--no-token': o.noToken = true; break;
      case '--ui': o.ui = true; break;
      case '--script-timeout': o.scriptTimeoutS = integer(arg, value(), 1, 86400); scriptTimeoutFlag = true; break;
      case '--boot-status': o.bootStatus = usage(() => parseBootStatusSequence(value()))[0]; break;
      case '--boot-status-sequence': o.bootStatusSequence = usage(() => parseBootStatusSequence(value())); break;
      case '--auth-mode': o.authMode = authMode(value()); break;
      case '--whitelist': o.whitelist = words(); break;
      case '--blacklist': o.blacklist = words(); break;
      case '--offline': o.offline = true; break;
      case '--password-file': o.passwordFile = value(); break;
      case '--lenient': o.lenient = true; break;
      case '--no-require-accepted': o.noRequireAccepted = true; break;
      case '--rate-limit': o.rateLimit = rateLimitArg(value()); break;
      case '--protocols': o.protocols = value(); break;
      case '--command': o.commands.push({ action: value(), periodS: NaN }); break;
      case '--period': lastCommand(arg).periodS = Number(value()); break;
      case '--command-payload': lastCommand(arg).payload = json(arg, value()); break;
      case '--commands': o.commandLists.push(value()); break;
      case '--http-port': o.httpPort = integer(arg, value(), 0, 65535); break;
      case '--no-http': o.noHttp = true; break;
      case '--report': o.report = value(); break;
      case '--junit': o.junit = value(); break;
      case '--assert-clean': o.assertClean = true; break;
      case '--metrics-port': o.metricsPort = integer(arg, value(), 0, 65535); break;
      case '--metrics-host': o.metricsHost = value(); break;
      case '--keyStore': env.SSL_CLIENT_KEYSTORE = value(); break;
      case '--keyStoreRoot': env.SSL_CLIENT_KEYSTORE_ROOT = value(); break;
      case '--': o.script = argv[++i]; break;
      default:
        if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
        o.script = arg;
    }
  }
  if (o.stdin && o.script !== undefined) {
    o.scriptArgs.unshift(o.script);
    o.script = undefined;
  }
  if ((o.tlsCert === undefined) !== (o.tlsKey === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  if (o.clientCert && !o.tls) throw new UsageError('--client-cert needs --tls (client certificates are a TLS feature)');
  const csmsHere = o.csms || o.withCsms;
  const csmsFlags = [
    [o.tls, '--tls'], [o.ftp, '--ftp'], [o.commands.length + o.commandLists.length > 0, '--command'], [o.authMode !== undefined, '--auth-mode'],
    [o.bootStatus !== undefined || o.bootStatusSequence !== undefined, '--boot-status'], [o.offline, '--offline'],
    [o.assertClean, '--assert-clean'], [o.httpPort !== undefined, '--http-port'],
    [o.protocols !== undefined, '--protocols'], [o.noRequireAccepted, '--no-require-accepted'], [o.rateLimit !== undefined, '--rate-limit'],
  ] as const;
  if (o.rateLimit && o.authMode !== 'rate_limit') throw new UsageError('--rate-limit is the budget of --auth-mode rate_limit: add it');
  if (o.noState && !o.csms && !serverMode(o)) throw new UsageError('--no-state is for the mock CSMS (--csms) and server mode; charge points of a script or --cps keep no state unless given --state-dir');
  if (o.keepFrames && (!serverMode(o) || o.noState)) throw new UsageError('--keep-frames belongs to server mode with a state directory (not with --no-state)');
  if (o.noState && o.stateDir !== undefined) throw new UsageError('use either --state-dir DIR or --no-state');
  for (const [given, flag] of csmsFlags) {
    if (given && !csmsHere) throw new UsageError(`${flag} configures the mock CSMS: add --csms or --with-csms`);
  }
  if (o.ui && o.cps === undefined) throw new UsageError('--ui serves a --cps fleet in the web UI: add --cps N (without a script, the UI runs anyway)');
  if (o.ui && (o.workers ?? 1) > 1) throw new UsageError('--ui shows the charge points of the main thread: use --workers 1');
  // Read only where the UI runs: a stray PORT in the environment must not break script runs.
  if ((serverMode(o) || o.ui) && env.PORT) o.webPort = integer('PORT', env.PORT, 1, 65534);
  if ((o.noToken || scriptTimeoutFlag) && !serverMode(o) && !o.ui) throw new UsageError(`${o.noToken ? '--no-token' : '--script-timeout'} belongs to server mode (no script, --csms or --cps) or a --cps fleet with --ui`);
  if (o.noToken && tokenFlag) throw new UsageError('--no-token and --token exclude each other');
  if (o.noToken && !isLoopback(o.bind)) throw new UsageError(`--no-token is for loopback addresses only: on BIND=${o.bind} anyone who reaches it could run code as you`);
  if (o.noToken) o.token = undefined;
  if (o.csms && o.withCsms) throw new UsageError('use either --csms (CSMS only) or --with-csms (CSMS for a script)');
  if (o.cps !== undefined && (o.script !== undefined || o.stdin)) throw new UsageError('--cps runs charge points without a script: drop the script, or use connectMany() in it');
  if ((o.workers !== undefined || o.shard !== undefined) && o.cps === undefined) throw new UsageError('--workers and --shard split a --cps fleet: add --cps N');
  if (o.metricsPort !== undefined && serverMode(o)) throw new UsageError('--metrics-port counts a script\'s or a --cps fleet\'s charge points, or the mock CSMS (--csms): not server mode');
  if (o.junit !== undefined && serverMode(o)) throw new UsageError('--junit writes a run: a script\'s, a --cps fleet\'s or the mock CSMS\'s (--csms), not server mode');
  if (o.protocolMix && o.cps === undefined) throw new UsageError('a version mix (--protocol 1.6,2.0.1) is for a --cps fleet; a script picks each charge point\'s version in connect()');
  if (o.protocolMix && o.profile !== undefined) throw new UsageError('--profile is version-specific: not with a version mix (--protocol 1.6,2.0.1)');
  if (o.cps !== undefined && o.url === undefined && !o.withCsms) throw new UsageError('--cps needs --url ws://host:port/path/ (or --with-csms)');
  return o;
}
