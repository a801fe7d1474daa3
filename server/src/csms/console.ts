/**
 * The operator console of the standalone mock CSMS: one command per line (`list`,
 * `remote-start`, `remote-stop`, `reset`, `trigger`, `send`, `tx`, `meter`, `probes`, `help`),
 * and a live line per MeterValues. {@link CsmsConsole.execute} is the whole command language,
 * testable without a terminal; {@link startConsole} puts it on a readline.
 * @module
 */
import readline from 'node:readline';
import type { Payload } from '../ocpp/frames';
import type { MockCsms } from './mock-csms';
import type { MeterReading, TransactionRecord } from './transactions';

/** The help text. */
export const CONSOLE_HELP = `commands:
  list                                 connected charge points, registration, connector statuses
  remote-start CP [TAG] [CONNECTOR]    RemoteStartTransaction (default: first whitelist token, an available connector)
  remote-stop CP [TX]                  RemoteStopTransaction (default: the charge point's open transaction)
  reset CP [Soft|Hard]                 Reset (default Soft)
  trigger CP MESSAGE [CONNECTOR]       TriggerMessage, e.g. trigger CP001 StatusNotification
  send CP ACTION [{json}]              any CSMS-initiated action with a JSON payload
  tx                                   open and finished transactions with energy
  meter                                latest meter values per charge point
  probes                               conformance findings so far
  help                                 this text`;

const TRIGGERABLE = ['BootNotification', 'DiagnosticsStatusNotification', 'FirmwareStatusNotification', 'Heartbeat', 'MeterValues', 'StatusNotification'];

const kwh = (wh: number): string => `${(wh / 1000).toFixed(3)} kWh`;

/**
 * One readable line for a meter reading: `CP001 #1 tx 12: 12.345 kWh, 7.40 kW, 32.0 A, 230.0 V`.
 * @param r The reading.
 */
export function meterLine(r: MeterReading): string {
  const parts: string[] = [];
  if (r.energyWh !== undefined) parts.push(kwh(r.energyWh));
  if (r.powerW !== undefined) parts.push(`${(r.powerW / 1000).toFixed(2)} kW`);
  const current = r.values['Current.Import']?.value ?? r.values['Current.Import.L1']?.value;
  if (current !== undefined) parts.push(`${current.toFixed(1)} A`);
  const voltage = r.values.Voltage?.value ?? r.values['Voltage.L1-N']?.value ?? r.values['Voltage.L1']?.value;
  if (voltage !== undefined) parts.push(`${voltage.toFixed(1)} V`);
  const soc = r.values.SoC?.value;
  if (soc !== undefined) parts.push(`SoC ${soc}%`);
  return `${r.cpId} #${r.connectorId}${r.transactionId === undefined ? '' : ` tx ${r.transactionId}`}: ${parts.join(', ') || 'no values'}`;
}

function txLine(t: TransactionRecord): string {
  const end = t.stoppedAt === undefined ? 'open' : `stopped ${t.stoppedAt} (${t.reason})`;
  return `  ${String(t.transactionId).padStart(5)}  ${t.cpId} #${t.connectorId}  ${t.idTag}  ${kwh(t.energyWh)}  started ${t.startedAt}  ${end}`;
}

/** Splits a command line into words; the rest after `send CP ACTION` is the JSON payload. */
function words(line: string): string[] {
  return line.trim().split(/\s+/).filter((w) => w.length > 0);
}

/** The console's command language over a {@link MockCsms}. */
export class CsmsConsole {
  /**
   * Create a console.
   * @param csms The CSMS it operates.
   * @param options `timeoutMs`: timeout of each call (default: the CSMS's).
   */
  constructor(private readonly csms: MockCsms, private readonly options: { timeoutMs?: number } = {}) {}

  /**
   * Run one command line; resolves with the text to show (errors start with `error:`). Never rejects.
   * @param line The command line.
   */
  async execute(line: string): Promise<string> {
    const [command, ...args] = words(line);
    try {
      switch (command?.toLowerCase()) {
        case undefined:
          return '';
        case 'help':
        case '?':
          return CONSOLE_HELP;
        case 'list':
          return this.list();
        case 'tx':
          return this.tx();
        case 'meter':
          return this.meter();
        case 'probes':
          return this.probes();
        case 'remote-start':
          return await this.remoteStart(args);
        case 'remote-stop':
          return await this.remoteStop(args);
        case 'reset': {
          const type = (args[1] ?? 'Soft').toLowerCase();
          if (type !== 'soft' && type !== 'hard') return 'error: usage: reset CP Soft|Hard';
          return await this.send(this.cp(args[0]), 'Reset', { type: type === 'soft' ? 'Soft' : 'Hard' });
        }
        case 'trigger': {
          const message = TRIGGERABLE.find((m) => m.toLowerCase() === (args[1] ?? '').toLowerCase());
          if (!message) return `error: usage: trigger CP MESSAGE [CONNECTOR], MESSAGE one of ${TRIGGERABLE.join(', ')}`;
          const payload: Payload = { requestedMessage: message };
          if (args[2] !== undefined) payload.connectorId = this.integer(args[2], 'CONNECTOR');
          return await this.send(this.cp(args[0]), 'TriggerMessage', payload);
        }
        case 'send': {
          const m = /^\s*\S+\s+(\S+)\s+(\S+)\s*(.*)$/s.exec(line);
          if (!m) return 'error: usage: send CP ACTION [{json}]';
          let payload: unknown = {};
          if (m[3]!.trim()) {
            try {
              payload = JSON.parse(m[3]!);
            } catch (err) {
              return `error: the payload is not JSON: ${(err as Error).message}`;
            }
          }
          if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return 'error: the payload must be a JSON object';
          return await this.send(this.cp(m[1]), m[2]!, payload as Payload);
        }
        default:
          return `error: unknown command '${command}' (try help)`;
      }
    } catch (err) {
      return `error: ${(err as Error).message}`;
    }
  }

  private cp(id: string | undefined): string {
    if (!id) throw new Error('name a charge point (see list)');
    if (!this.csms.stations.has(id)) {
      const ids = this.csms.chargePointIds;
      throw new Error(`${id} is not connected (${ids.length ? `connected: ${ids.join(', ')}` : 'none connected'})`);
    }
    return id;
  }

  private integer(text: string, name: string): number {
    if (!/^\d+$/.test(text)) throw new Error(`${name} must be a whole number, got '${text}'`);
    return Number(text);
  }

  private async send(cpId: string, action: string, payload: Payload): Promise<string> {
    const opts = this.options.timeoutMs === undefined ? undefined : { timeoutMs: this.options.timeoutMs };
    const response = await this.csms.call(cpId, action, payload, opts);
    return `${cpId} ${action} → ${JSON.stringify(response)}`;
  }

  private list(): string {
    const ids = this.csms.chargePointIds;
    if (ids.length === 0) return 'no charge points connected';
    return ids
      .map((id) => {
        const statuses = [...this.csms.transactions.connectorStatuses(id)].sort(([a], [b]) => a - b).map(([c, s]) => `#${c} ${s.status}`);
        const open = this.csms.transactions.open(id).map((t) => t.transactionId);
        const boot = this.csms.discipline.registrationOf(id) ?? 'not booted';
        return `${id}  ${boot}  ${statuses.join(', ') || 'no status yet'}${open.length ? `  open tx ${open.join(', ')}` : ''}`;
      })
      .join('\n');
  }

  private tx(): string {
    const open = this.csms.transactions.open();
    const finished = this.csms.transactions.finished();
    return [`open (${open.length}):`, ...open.map(txLine), `finished (${finished.length}):`, ...finished.map(txLine)].join('\n');
  }

  private meter(): string {
    const lines = Object.values(this.csms.transactions.latestMeterValues()).flatMap((byConnector) => Object.values(byConnector).map(meterLine));
    return lines.length ? lines.join('\n') : 'no meter values yet';
  }

  private probes(): string {
    if (!this.csms.probes) return 'conformance probes are off';
    const report = this.csms.probes.report();
    const lines = Object.entries(report).flatMap(([id, findings]) => findings.map((f) => `${id} ${f.probe}: ${f.detail}`));
    return lines.length ? lines.join('\n') : 'clean: no probe fired';
  }

  private async remoteStart(args: string[]): Promise<string> {
    const cpId = this.cp(args[0]);
    const idTag = args[1] ?? [...this.csms.policy.whitelist][0] ?? 'valid_token';
    const payload: Payload = { idTag };
    const connectorId = args[2] !== undefined ? this.integer(args[2], 'CONNECTOR') : this.csms.transactions.availableConnector(cpId);
    if (connectorId !== undefined) payload.connectorId = connectorId;
    return this.send(cpId, 'RemoteStartTransaction', payload);
  }

  private async remoteStop(args: string[]): Promise<string> {
    const cpId = this.cp(args[0]);
    let transactionId: number;
    if (args[1] !== undefined) transactionId = this.integer(args[1], 'TX');
    else {
      const open = this.csms.transactions.open(cpId);
      if (open.length === 0) return `error: ${cpId} has no open transaction (give TX)`;
      transactionId = open[0]!.transactionId;
    }
    return this.send(cpId, 'RemoteStopTransaction', { transactionId });
  }
}

/** A running console; close it to stop reading. */
export interface ConsoleHandle {
  /** The command language. */
  console: CsmsConsole;
  /** Stop reading and printing. */
  close(): void;
}

/**
 * Run the console on a readline (a terminal, or any stream in tests): a `csms> ` prompt, the
 * answer of each command, and a live line for each MeterValues (printed above the prompt).
 * @param csms The CSMS.
 * @param input Where commands come from (e.g. `process.stdin`).
 * @param output Where answers and live lines go (e.g. `process.stdout`).
 * @param options `liveMeterValues` (default true); `onClose` is called when the input ends (Ctrl-D).
 */
export function startConsole(
  csms: MockCsms,
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
  options: { liveMeterValues?: boolean; onClose?: () => void; timeoutMs?: number } = {},
): ConsoleHandle {
  const csmsConsole = new CsmsConsole(csms, { timeoutMs: options.timeoutMs });
  const terminal = (output as NodeJS.WriteStream).isTTY === true;
  const rl = readline.createInterface({ input, output, prompt: 'csms> ', terminal });
  let closed = false;
  const print = (text: string): void => {
    if (closed || !text) return;
    if (terminal) {
      readline.clearLine(output, 0);
      readline.cursorTo(output, 0);
    }
    output.write(`${text}\n`);
    if (terminal) rl.prompt(true);
  };
  const live = (r: MeterReading): void => print(meterLine(r));
  if (options.liveMeterValues !== false) csms.transactions.on('meterValues', live);
  rl.on('line', (line) => {
    void csmsConsole.execute(line).then((text) => {
      if (text) print(text);
      else if (terminal && !closed) rl.prompt();
    });
  });
  const close = (): void => {
    if (closed) return;
    closed = true;
    csms.transactions.off('meterValues', live);
    rl.close();
  };
  rl.on('close', () => {
    const wasOpen = !closed;
    close();
    if (wasOpen) options.onClose?.();
  });
  print(`operator console: ${csms.chargePointIds.length} charge point(s) connected; type help`);
  if (terminal) rl.prompt();
  return { console: csmsConsole, close };
}
