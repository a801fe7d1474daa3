/**
 * Command-line flags of start.sh / `ocpp-sim`, and the help text.
 * @module
 */
import type { ValidationMode } from '../ocpp/validator';
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
  /** `--o`: write log lines to this file. */
  output?: string;
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
  /** `--profile FILE`: station profile JSON (identity, hardware, configuration). */
  profile?: string;
  /** `--state-dir DIR`: persist charge-point state and queued transaction messages. */
  stateDir?: string;
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
  /** `--security-profile N`: charge points' initial SecurityProfile (0–3). */
  securityProfile?: number;
  /** `--token T` (or `OCPP_SIM_TOKEN`): server mode's access token (needed when BIND is not loopback). */
  token?: string;
  /** Server mode: web UI port (`PORT`, default 3000); the bridge takes the next one. */
  webPort: number;
  /** Server mode: bind address (`BIND`, default 127.0.0.1). */
  bind: string;
  /** `-h` / `--help`. */
  help: boolean;
}

/** A command-line mistake; printed with a hint to `--help`, exit code 2. */
export class UsageError extends Error {}

/** The `--help` text. */
export const HELP = `Usage: ./start.sh [options] [script.js|.mjs|.ts] [script args...]
       ./start.sh [--v] [--with-csms] [--token T]      (no script: server mode, web UI)
       cat script.js | ./start.sh --stdin [options]
       ./start.sh --csms [--port 8100]
       ./start.sh --cps 100 --url ws://host:port/ocpp/ [--id-prefix CP]

Runs a charge-point script against a central system, the mock CSMS, or (without a script)
the web UI.

Server mode (no script, no --stdin, --csms or --cps)
                            web UI, REST API (/api) and API docs (/docs) on
                            http://BIND:PORT/, WebSocket bridge on ws://BIND:PORT+1/
                            (env PORT, default 3000; BIND, default 127.0.0.1)
  --token T                 access token, required when BIND is not a loopback address
                            (default: a random one, printed at start); also OCPP_SIM_TOKEN
  --with-csms               run the mock CSMS too (port --port) and show its view in the UI

Scripts
  script.js                 a script: a plain body using await connect(url),
                            module.exports = async (connect) => {...}, an ES module
                            (export default async (connect) => {...}), or TypeScript
  --stdin                   read the script from standard input
                            scripts get connect(url[, id, keyStoreElement, options]) and
                            connectMany(baseUrl, count[, options]) (also connect.many)

Charge points without a script
  --cps N                   run N charge points with default behaviour (boot, heartbeats,
                            answers to every CSMS call) until Ctrl-C
  --url URL                 CSMS URL the ids are appended to (default with --with-csms: the
                            embedded CSMS)
  --id-prefix P             ids are P001, P002, ... (default CP)

Charge-point model
  --profile FILE            station profile JSON: vendor, model, serialNumber,
                            firmwareVersion, connectors, maxPowerW, phases, voltage,
                            fixedCable, configuration {key: value}
  --state-dir DIR           persist state and undelivered transaction messages in DIR, so a
                            restarted simulator loses no StopTransaction
  --virtual-clock           run charge points on a virtual clock the script moves with
                            await connect.clock.advance(ms)

Mock central system
  --csms                    run the mock CSMS (no script): ws://127.0.0.1:8100/<cp id>
  --with-csms               start the mock CSMS in this process for the script; the script
                            sees its URL in CSMS_URL (unless CSMS_URL is already set) and
                            the CSMS itself as connect.csms (e.g. connect.csms.call(id,
                            'RemoteStartTransaction', {idTag: 'A'}))
  --port N                  mock CSMS port (default 8100; 0 picks a free port)
  --host ADDR               mock CSMS bind address (default 127.0.0.1)
  --heartbeat-interval S    interval handed out in BootNotification.conf (default 300)
  --tls                     serve wss:// with a test PKI (CA and server certificate for
                            localhost/127.0.0.1, created on first use in --pki-dir); charge
                            points started here trust its CA, others take --ca DIR/ca.pem.
                            SignCertificate is then answered with a CertificateSigned
  --pki-dir DIR             the PKI's directory (default
                            \${XDG_STATE_HOME:-~/.local/state}/ocpp-sim/pki)
  --tls-cert FILE           serve wss:// with this certificate (PEM) instead (implies --tls)
  --tls-key FILE            ... and this private key (PEM)
  --client-cert             require client certificates signed by the PKI's CA (or a --ca
                            file): security profile 3
  --password PW             Basic auth: the CSMS accepts user <cp id> with PW (as text, or as
                            the bytes of a 32-40 digit hex PW); also the charge points' password
  --ftp                     start an FTP server for diagnostics, logs and firmware
                            (user ocpp, password ocpp; FTPS with --tls); scripts see
                            FTP_URL (and FTPS_URL) and connect.csms.ftp
  --ftp-port N              its port (default 2121; 0 picks a free port)

Output
  --v                       show every OCPP frame and connection event
  --v1                      as --v, plus the embedded CSMS's view and the HTTP side
  --v2                      everything, including round-trip times
  --vv PATTERN              namespaces to show, debug-style (ocpp:frame, ocpp:cp, csms:frame,
                            csms:event, debug:rtt, http; e.g. 'ocpp:frame,debug:rtt')
  --s                       silent: only errors and the script's own output
  --o FILE                  write log lines to FILE instead of stdout

Protocol
  --validation MODE         schema validation both ways: strict (default), warn, off
  --inbound-validation MODE   ... of frames received only
  --outbound-validation MODE  ... of frames sent only

TLS and keystore (wss://)
  --ca FILE                 extra trusted CA certificate (PEM); also SSL_CERT_FILE
  --cadir DIR               directory of extra trusted CAs; also SSL_CERT_DIR
  --keyStore JSON           client certificates: [{"id":"CP1","key":"k.pem","cert":"c.pem"}]
                            (id "*" for any charge point); also SSL_CLIENT_KEYSTORE
  --keyStoreRoot DIR        where keystore().save writes; also SSL_CLIENT_KEYSTORE_ROOT
  --security-profile N      charge points start at SecurityProfile N (0-3)
  --auth-key-raw            charge points send the AuthorizationKey as raw bytes, not hex text
  --insecure                charge points skip TLS certificate and host-name checks (lab use)

Other
  --d                       development: rebuild before running
  -h, --help                this help

Environment: RESPONSE_TIMEOUT (ms, default 15000), DEBUG (namespaces), CSMS_URL, FTP_URL, FTPS_URL,
PORT, BIND, OCPP_SIM_TOKEN (server mode).
Exit status: 0 when the script finishes, 1 when it fails, 2 for a usage error.`;

function mode(flag: string, value: string | undefined): ValidationMode {
  if (value === 'strict' || value === 'warn' || value === 'off') return value;
  throw new UsageError(`${flag} expects strict, warn or off (got ${value ?? 'nothing'})`);
}

function integer(flag: string, value: string | undefined, min: number, max: number): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} expects an integer from ${min} to ${max}`);
  return n;
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
    token: env.OCPP_SIM_TOKEN || undefined,
    webPort: 3000,
    bind: env.BIND || '127.0.0.1',
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
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
      case '--o': o.output = value(); break;
      case '--ca': o.caFiles.push(value()); break;
      case '--cadir': o.caDirs.push(value()); break;
      case '--cps': o.cps = integer(arg, value(), 1, 1_000_000); break;
      case '--url': o.url = value(); break;
      case '--id-prefix': o.idPrefix = value(); break;
      case '--profile': o.profile = value(); break;
      case '--state-dir': o.stateDir = value(); break;
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
      case '--security-profile': o.securityProfile = integer(arg, value(), 0, 3); break;
      case '--token': o.token = value(); break;
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
  for (const [given, flag] of [[o.tls, '--tls'], [o.ftp, '--ftp']] as const) {
    if (given && !csmsHere) throw new UsageError(`${flag} configures the mock CSMS: add --csms or --with-csms`);
  }
  // Read only in server mode: a stray PORT in the environment must not break script runs.
  if (serverMode(o) && env.PORT) o.webPort = integer('PORT', env.PORT, 1, 65534);
  if (o.csms && o.withCsms) throw new UsageError('use either --csms (CSMS only) or --with-csms (CSMS for a script)');
  if (o.cps !== undefined && (o.script !== undefined || o.stdin)) throw new UsageError('--cps runs charge points without a script: drop the script, or use connectMany() in it');
  if (o.cps !== undefined && o.url === undefined && !o.withCsms) throw new UsageError('--cps needs --url ws://host:port/path/ (or --with-csms)');
  return o;
}
