/**
 * Command line of `npm run bench` (`node server/dist/bench/bench.js [options]`).
 * @module
 */
import { parseVersionMix, type VersionShare } from '../src/chargepoint/fleet-mix';

/** Parsed bench options. */
export interface BenchOptions {
  /** Number of charge points. */
  n: number;
  /** Scenario name. */
  scenario: string;
  /** Duration of time-boxed scenarios (s). */
  seconds: number;
  /** Sockets opening at a time during the connect phase. */
  concurrency: number;
  /** Timeout of each outbound call (ms). */
  timeoutMs: number;
  /** Print one JSON object instead of the table. */
  json: boolean;
  /** Add per-action round-trip rows to the table. */
  byAction: boolean;
  /** No progress lines on stderr. */
  quiet: boolean;
  /** Write CPU profiles of the call phase of both processes to this directory. */
  cpuProfDir?: string;
  /** Heartbeat interval the mock CSMS hands out (s). */
  heartbeatS: number;
  /** Meter-value interval of the `steady` scenario (s). */
  intervalS: number;
  /** Sockets per source address 127.0.0.x (default: the ephemeral port range less 2,000). */
  perAddress?: number;
  /** Also run an ocpp-rpc client fleet on the same work and print the ratios. */
  compare: boolean;
  /** Then run the same scenario with metrics on, in a process of its own, and print both side by side. */
  metricsCost: boolean;
  /** Count every charge point as `--metrics-port` does and scrape the endpoint once a second (what `--metrics-cost` runs second). */
  metrics: boolean;
  /** Which client fleet runs: ours, or (internal, for `--compare`) ocpp-rpc's. */
  impl: 'ocpp-sim' | 'ocpp-rpc';
  /** OCPP version of the fleet (`--protocol 2.0.1`: ChargingStations; scenarios idle, boot-storm, steady, throughput). */
  protocol: 'ocpp1.6' | 'ocpp2.0.1';
  /** `--protocol 1.6,2.0.1` or `1.6:70,2.0.1:30`: a mixed fleet in these shares (the warm-up stays 1.6). */
  mix?: VersionShare[];
  /** Print help and exit. */
  help: boolean;
}

/** A command-line mistake: one line on stderr, exit code 2. */
export class UsageError extends Error {}

/** The help text. @param scenarios Scenario names and one-line descriptions. */
export function helpText(scenarios: [string, string][]): string {
  return `Usage: npm run bench -- [options]
       node server/dist/bench/bench.js [options]

Connects N simulated charge points to a mock CSMS running in a separate process (127.0.0.1)
and reports connect rate, memory per idle connected charge point, round-trip calls/s and
latency percentiles, and CPU time of both processes.

Options
  -n, --n N              charge points (default 1000)
  --scenario NAME        what the connected charge points do (default session):
${scenarios.map(([name, desc]) => `                           ${name.padEnd(11)} ${desc}`).join('\n')}
  --seconds S            duration of time-boxed scenarios (default 10)
  --heartbeat S          heartbeat interval the mock CSMS hands out (default 10)
  --interval S           meter-value interval of the steady scenario (default 10)
  --protocol V           1.6 (default) or 2.0.1: OCPP 2.0.1 charging stations against the mock
                         CSMS on ocpp2.0.1 (session: TransactionEvent Started, 2 x Updated,
                         Ended; steady: Updated every --interval); every scenario but --compare.
                         A mix, 1.6,2.0.1 or 1.6:70,2.0.1:30: both versions in these shares
                         (as --cps; idle, boot-storm, throughput, session)
  --concurrency C        sockets opening at a time while connecting (default 200;
                         boot-storm: all N at once)
  --per-address K        sockets per source address 127.0.0.x (default: the ephemeral
                         port range less 2,000, about 26,000 on Linux)
  --compare              then run an ocpp-rpc RPCClient fleet (strictMode) on the same work
                         against a fresh mock CSMS, in a process of its own, and print ratios
  --metrics-cost         then run the same scenario with --metrics, in a process of its own
                         against a fresh mock CSMS, and print calls/s and RSS per charge point
                         with metrics off and on side by side
  --metrics              count every charge point as the CLI's --metrics-port does
                         (prom-client) and scrape the endpoint once a second
  --timeout MS           timeout of each call in ms (default 30000)
  --json                 print one JSON object instead of the table
  --by-action            add round-trip rows per action to the table
  -q, --quiet            no progress lines on stderr
  --cpu-prof DIR         write CPU profiles of the call phase (simulator and CSMS process)
                         to DIR as .cpuprofile files (open in Chrome DevTools or VS Code)
  -h, --help             this text

Needs an open-file limit above N (plus some slack): as root the bench raises it itself,
otherwise raise it with 'ulimit -n'.
Exit code: 0 all calls succeeded, 1 some call or connection failed, 2 usage or limit error.`;
}

function positive(flag: string, text: string | undefined, integer = true): number {
  const n = Number(text);
  if (text === undefined || text === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(`${flag} needs a positive ${integer ? 'integer' : 'number'}, got '${text ?? ''}'`);
  }
  return n;
}

/**
 * Parse the command line.
 * @param argv Arguments after the script path.
 * @param scenarios Known scenario names.
 */
export function parseOptions(argv: string[], scenarios: string[]): BenchOptions {
  const o: BenchOptions = { n: 1000, scenario: 'session', seconds: 10, concurrency: 200, timeoutMs: 30_000, json: false, byAction: false, quiet: false, heartbeatS: 10, intervalS: 10, compare: false, metricsCost: false, metrics: false, impl: 'ocpp-sim', protocol: 'ocpp1.6', help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '-n':
      case '--n':
        o.n = positive(flag, value());
        break;
      case '--protocol': {
        const v = value();
        if (v !== undefined && /[,:]/.test(v)) {
          try {
            o.mix = parseVersionMix(v);
          } catch (err) {
            throw new UsageError(`--protocol: ${(err as Error).message}`);
          }
          break;
        }
        if (v !== '1.6' && v !== 'ocpp1.6' && v !== '2.0.1' && v !== 'ocpp2.0.1') throw new UsageError(`--protocol must be 1.6, 2.0.1 or a mix such as 1.6:70,2.0.1:30, got '${v ?? ''}'`);
        o.protocol = v.endsWith('1.6') ? 'ocpp1.6' : 'ocpp2.0.1';
        break;
      }
      case '--scenario': {
        const name = value();
        if (!name || !scenarios.includes(name)) throw new UsageError(`--scenario must be one of ${scenarios.join(', ')}, got '${name ?? ''}'`);
        o.scenario = name;
        break;
      }
      case '--seconds':
        o.seconds = positive(flag, value(), false);
        break;
      case '--concurrency':
        o.concurrency = positive(flag, value());
        break;
      case '--timeout':
        o.timeoutMs = positive(flag, value());
        break;
      case '--heartbeat':
        o.heartbeatS = positive(flag, value());
        break;
      case '--interval':
        o.intervalS = positive(flag, value());
        break;
      case '--per-address':
        o.perAddress = positive(flag, value());
        break;
      case '--compare':
        o.compare = true;
        break;
      case '--metrics-cost':
        o.metricsCost = true;
        break;
      case '--metrics':
        o.metrics = true;
        break;
      case '--impl': {
        const impl = value();
        if (impl !== 'ocpp-sim' && impl !== 'ocpp-rpc') throw new UsageError(`--impl must be ocpp-sim or ocpp-rpc, got '${impl ?? ''}'`);
        o.impl = impl;
        break;
      }
      case '--json':
        o.json = true;
        break;
      case '--by-action':
        o.byAction = true;
        break;
      case '-q':
      case '--quiet':
        o.quiet = true;
        break;
      case '--cpu-prof': {
        const dir = value();
        if (!dir) throw new UsageError('--cpu-prof needs a directory');
        o.cpuProfDir = dir;
        break;
      }
      case '-h':
      case '--help':
        o.help = true;
        break;
      default:
        throw new UsageError(`unknown option '${arg}'`);
    }
  }
  if (o.mix && (o.compare || o.scenario === 'steady')) throw new UsageError('a version mix runs the idle, boot-storm, throughput and session scenarios, without --compare');
  if ((o.metrics || o.metricsCost) && o.impl === 'ocpp-rpc') throw new UsageError('--metrics and --metrics-cost measure the ocpp-sim fleet (--impl ocpp-sim)');
  if (o.metrics && o.metricsCost) throw new UsageError('--metrics-cost runs --metrics itself, second');
  if (o.protocol === 'ocpp2.0.1' && o.compare) throw new UsageError('--compare runs OCPP 1.6 only (the ocpp-rpc fleet boots as 1.6 charge points)');
  return o;
}
