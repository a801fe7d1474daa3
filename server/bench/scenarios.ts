/**
 * What the connected charge points do during the measured call phase. The bench harness owns
 * the phases around it (warm-up, baseline memory, connect, idle memory, timing and CPU of the
 * call phase, close); a scenario only drives calls on the fleet and may add rows of its own.
 *
 * To add one (idle, boot storm, steady charging...): write a {@link Scenario} and add it to
 * {@link SCENARIOS}; `--scenario NAME` picks it up, and `--help` lists it.
 * @module
 */
import { performance } from 'node:perf_hooks';
import type { Chargepoint } from '../src/chargepoint/chargepoint';
import type { ChargingStation } from '../src/charging-station/charging-station';
import type { AnyStation, AnyStationOptions } from '../src/chargepoint/connect';
import type { BenchOptions } from './options';
import type { Metric } from './report';
import type { Failures } from './stats';

/** What a scenario gets to work with. */
export interface ScenarioContext {
  /** The connected charge points. */
  chargepoints: readonly AnyStation[];
  /** The command line. */
  options: BenchOptions;
  /** Count every failed call here (the bench then exits 1). */
  failures: Failures;
  /** True once the user interrupted the run: stop issuing new calls. */
  stopped: () => boolean;
  /** A line on stderr. */
  log: (line: string) => void;
}

/** A workload for the call phase. */
export interface Scenario {
  /** `--scenario` name. */
  name: string;
  /** One line for `--help`. */
  description: string;
  /**
   * How the fleet connects: `auto` is the product's `connectMany` (boots, heartbeats and reports
   * status by itself; the connect phase ends when every boot is Accepted), `manual` is
   * `connect()` with the scenario sending BootNotification.
   */
  fleet: 'auto' | 'manual';
  /** Sockets opening at a time, when the scenario fixes it (boot storm: all at once). */
  concurrency?: (options: BenchOptions) => number;
  /** Further charge-point options for an `auto` fleet. */
  chargepoint?: (options: BenchOptions) => AnyStationOptions;
  /** Drive the fleet; resolve when the phase is over. Extra rows go into the report. */
  run(ctx: ScenarioContext): Promise<Metric[]>;
}

const now = (): string => new Date().toISOString();

/**
 * One OCPP 1.6 charge point's short life: BootNotification, StatusNotification for connectors 0 and 1,
 * Heartbeat, then Authorize, StartTransaction, two MeterValues, StopTransaction and
 * StatusNotification Available: 10 calls. Stops at the first failure (counted).
 * @returns True when every call succeeded.
 */
export async function chargingSession16(cp: Chargepoint, failures: Failures, idTag = 'BENCH-TAG'): Promise<boolean> {
  let action = 'BootNotification';
  try {
    await cp.sendBootnotification({ chargePointVendor: 'ocpp-sim', chargePointModel: 'bench', chargePointSerialNumber: cp.id });
    action = 'StatusNotification';
    await cp.sendStatusNotification({ connectorId: 0, errorCode: 'NoError', status: 'Available', timestamp: now() });
    await cp.sendStatusNotification({ connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: now() });
    action = 'Heartbeat';
    await cp.sendHeartbeat();
    action = 'Authorize';
    await cp.sendAuthorize({ idTag });
    action = 'StartTransaction';
    const meterStart = 1000;
    const { transactionId } = await cp.startTransaction({ connectorId: 1, idTag, meterStart, timestamp: now() });
    action = 'MeterValues';
    for (let k = 1; k <= 2; k++) {
      await cp.meterValues({
        connectorId: 1,
        transactionId,
        meterValue: [
          {
            timestamp: now(),
            sampledValue: [
              { value: String(meterStart + 100 * k), measurand: 'Energy.Active.Import.Register', unit: 'Wh', context: 'Sample.Periodic' },
              { value: '11000', measurand: 'Power.Active.Import', unit: 'W', context: 'Sample.Periodic' },
            ],
          },
        ],
      });
    }
    action = 'StopTransaction';
    await cp.stopTransaction({ transactionId, idTag, meterStop: meterStart + 300, timestamp: now(), reason: 'Local' });
    action = 'StatusNotification';
    await cp.sendStatusNotification({ connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: now() });
    return true;
  } catch (err) {
    failures.add(action, err);
    return false;
  }
}

/**
 * The same short life for an OCPP 2.0.1 station, sent by hand as the 1.6 one is: BootNotification,
 * StatusNotification Available, Heartbeat, Authorize, StatusNotification Occupied, TransactionEvent
 * Started, two Updated with meter values, Ended, StatusNotification Available: 10 calls, seqNo
 * 0..3 within the transaction (E01–E06). Stops at the first failure (counted).
 * @returns True when every call succeeded.
 */
export async function chargingSession201(cs: ChargingStation, failures: Failures, idToken = 'BENCH-TAG'): Promise<boolean> {
  const token = { idToken, type: 'ISO14443' as const };
  const evse = { id: 1, connectorId: 1 };
  const status = (connectorStatus: 'Available' | 'Occupied') => cs.call('StatusNotification', { timestamp: now(), connectorStatus, evseId: 1, connectorId: 1 });
  const energy = (wh: number, context: 'Transaction.Begin' | 'Sample.Periodic' | 'Transaction.End') => [
    { timestamp: now(), sampledValue: [{ value: wh, measurand: 'Energy.Active.Import.Register' as const, unitOfMeasure: { unit: 'Wh' }, context }] },
  ];
  const transactionInfo = { transactionId: `${cs.id}-${Date.now().toString(36)}`, chargingState: 'Charging' as const };
  let action = 'BootNotification';
  try {
    await cs.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'ocpp-sim', model: 'bench', serialNumber: cs.id } });
    action = 'StatusNotification';
    await status('Available');
    action = 'Heartbeat';
    await cs.call('Heartbeat', {});
    action = 'Authorize';
    await cs.call('Authorize', { idToken: token });
    action = 'StatusNotification';
    await status('Occupied');
    action = 'TransactionEvent';
    const meterStart = 1000;
    await cs.call('TransactionEvent', { eventType: 'Started', timestamp: now(), triggerReason: 'Authorized', seqNo: 0, transactionInfo, evse, idToken: token, meterValue: energy(meterStart, 'Transaction.Begin') });
    for (let k = 1; k <= 2; k++) {
      await cs.call('TransactionEvent', { eventType: 'Updated', timestamp: now(), triggerReason: 'MeterValuePeriodic', seqNo: k, transactionInfo, meterValue: energy(meterStart + 100 * k, 'Sample.Periodic') });
    }
    await cs.call('TransactionEvent', {
      eventType: 'Ended',
      timestamp: now(),
      triggerReason: 'StopAuthorized',
      seqNo: 3,
      transactionInfo: { ...transactionInfo, chargingState: 'Idle', stoppedReason: 'Local' },
      idToken: token,
      meterValue: energy(meterStart + 300, 'Transaction.End'),
    });
    action = 'StatusNotification';
    await status('Available');
    return true;
  } catch (err) {
    failures.add(action, err);
    return false;
  }
}

/** The session of each version, by subprotocol. */
const SESSIONS: Readonly<Record<string, (cp: never, failures: Failures, idTag?: string) => Promise<boolean>>> = { 'ocpp1.6': chargingSession16, 'ocpp2.0.1': chargingSession201 };

/** One short charging session in the version the station speaks: 10 calls ({@link chargingSession16}, {@link chargingSession201}). */
export function chargingSession(cp: AnyStation, failures: Failures, idTag?: string): Promise<boolean> {
  return SESSIONS[cp.endpoint.protocol.subprotocol]!(cp as never, failures, idTag);
}

/** Calls in one {@link chargingSession}. */
export const CALLS_PER_SESSION = 10;

/** Every charge point runs one {@link chargingSession}, all at the same time. */
const session: Scenario = {
  name: 'session',
  fleet: 'manual',
  description: `every charge point: boot, status, heartbeat, a short transaction (${CALLS_PER_SESSION} calls), all at once`,
  async run({ chargepoints, failures, stopped }) {
    let ok = 0;
    await Promise.all(
      chargepoints.map(async (cp) => {
        if (!stopped() && (await chargingSession(cp, failures))) ok++;
      }),
    );
    return [{ key: 'sessionsCompleted', label: 'sessions completed', value: ok, unit: 'sessions' }];
  },
};

/** Every charge point sends Heartbeats back to back for `--seconds`: raw round-trip rate. */
const throughput: Scenario = {
  name: 'throughput',
  fleet: 'auto',
  description: 'booted charge points send Heartbeats back to back for --seconds (strict validation)',
  async run({ chargepoints, failures, stopped, options }) {
    const end = performance.now() + options.seconds * 1000;
    await Promise.all(
      chargepoints.map(async (cp) => {
        while (performance.now() < end && !stopped()) {
          try {
            await cp.call('Heartbeat', {});
          } catch (err) {
            failures.add('Heartbeat', err);
            return;
          }
        }
      }),
    );
    return [durationRow(options)];
  },
};

const durationRow = (options: BenchOptions): Metric => ({ key: 'durationS', label: 'requested duration', value: options.seconds, unit: 's', decimals: 1 });

/** Resolve after `seconds`, or early once `stopped()`. */
async function idleFor(seconds: number, stopped: () => boolean): Promise<void> {
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end && !stopped()) await new Promise((r) => setTimeout(r, Math.min(250, end - performance.now())));
}

/** Booted charge points stay connected and heartbeat at the CSMS's interval for --seconds. */
const idle: Scenario = {
  name: 'idle',
  fleet: 'auto',
  description: 'booted charge points stay connected, heartbeating at --heartbeat, for --seconds',
  async run({ options, stopped }) {
    await idleFor(options.seconds, stopped);
    return [durationRow(options), { key: 'heartbeatS', label: 'heartbeat interval', value: options.heartbeatS, unit: 's' }];
  },
};

/** All N connect and boot at once; the connect phase is the measurement. */
const bootStorm: Scenario = {
  name: 'boot-storm',
  fleet: 'auto',
  description: 'all N connect and send BootNotification at once (connect phase); then idle --seconds',
  concurrency: (o) => o.n,
  async run({ options, stopped }) {
    await idleFor(options.seconds, stopped);
    return [durationRow(options)];
  },
};

/**
 * Every charge point starts a transaction on connector 1 (plug in, Authorize, StartTransaction,
 * status) and sends MeterValues every --interval seconds from its own model, for --seconds; then
 * stops it. The meter timers share the process's one timer heap.
 */
const steady: Scenario = {
  name: 'steady',
  fleet: 'auto',
  description: 'every charge point charges, MeterValues every --interval s, for --seconds',
  chargepoint: (o) =>
    o.protocol === 'ocpp2.0.1'
      ? { protocol: o.protocol, profile: { variables: { 'SampledDataCtrlr.TxUpdatedInterval': o.intervalS } } }
      : { profile: { configuration: { MeterValueSampleInterval: o.intervalS } } },
  async run({ chargepoints, failures, options, stopped }) {
    let started = 0;
    const onTx = (e: { type: string }): void => {
      if (e.type === 'start') started++;
    };
    await Promise.all(
      chargepoints.map(async (cp) => {
        cp.on('transaction', onTx);
        try {
          if (!(await cp.startCharging(1, 'BENCH-TAG'))) failures.add('startCharging', new Error(`${cp.id}: not started`));
        } catch (err) {
          failures.add('startCharging', err);
        }
      }),
    );
    await idleFor(options.seconds, stopped);
    for (const cp of chargepoints) {
      cp.off('transaction', onTx);
      cp.stopCharging(1); // 1.6: reason Local; 2.0.1: StopAuthorized, Local
    }
    // Let the StopTransactions out before the harness measures and closes.
    await idleFor(Math.min(5, options.seconds), stopped);
    return [
      durationRow(options),
      { key: 'meterIntervalS', label: 'meter-value interval', value: options.intervalS, unit: 's' },
      { key: 'transactionsStarted', label: 'transactions started', value: started, unit: '' },
    ];
  },
};

/** Scenarios by name. */
export const SCENARIOS: ReadonlyMap<string, Scenario> = new Map([idle, bootStorm, steady, throughput, session].map((s) => [s.name, s]));
