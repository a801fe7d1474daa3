/**
 * What server mode needs of a charge point that differs between OCPP versions, behind one
 * interface: the version's part of the summary, the action lists and protocol table of the action
 * panel, its templates, the connector board's operations, and the settings (1.6 configuration
 * keys, 2.0.1 device model). `station-view-v16.ts` and `station-view-v201.ts` implement it.
 * @module
 */
import type { ProtocolVersion } from '../ocpp/protocol';
import type { Telemetry } from '../ev/telemetry';
import type { ChargepointSummary } from './records';

/** Where a connector-board operation applies: a 1.6 connector, or a 2.0.1 EVSE (and one of its connectors). */
export type BoardAddress = { connector: number } | { evse: number; connector?: number };

/** The part of a summary a version fills in. */
export type VersionSummary = Pick<ChargepointSummary, 'protocol' | 'bootState' | 'securityProfile' | 'connectors' | 'evses' | 'display'>;

/** The settings a version has: `configuration` (1.6 keys) or `variables` (2.0.1 device model). */
export type SettingsKind = 'configuration' | 'variables';

/** The answer to writing a setting: the status the CSMS's own request would get, and why when refused. */
export interface SettingOutcome {
  /** Accepted, Rejected, RebootRequired, NotSupported (1.6), UnknownComponent, UnknownVariable, NotSupportedAttributeType (2.0.1). */
  status: string;
  /** Why it was not accepted (2.0.1: the rule of the variable it broke). */
  reason?: string;
  /** What still runs after the answer (a 1.6 ChangeConfiguration's follow-up). */
  followUp?: () => unknown;
}

/** The version-specific face of one charge point for the UI. */
export interface StationView {
  /** `ocpp1.6` or `ocpp2.0.1`. */
  readonly protocol: ChargepointSummary['protocol'];
  /** The protocol table the action panel's payloads are checked against. */
  readonly table: ProtocolVersion;
  /** Actions the charge point may send. */
  readonly stationActions: readonly string[];
  /** Actions the CSMS may send (manual answers). */
  readonly csmsActions: readonly string[];
  /** What the settings are and where they live. */
  readonly settingsKind: SettingsKind;
  /** The version's part of the summary. */
  summarize(): VersionSummary;
  /** A valid payload per charge-point-initiated action, from the charge point's state. */
  templates(): Record<string, object>;
  /**
   * Drive the simulated hardware (plug in, start, stop, fault…). Throws a RegistryError (400:
   * bad address or operation; 409: a token refused).
   * @param address Connector (1.6) or EVSE (2.0.1).
   * @param op The operation.
   * @param body Its parameters.
   */
  operate(address: BoardAddress, op: string, body: Record<string, unknown>): Promise<void>;
  /** The per-second samples and the ended sessions (undefined before the first session). */
  readonly telemetry: Telemetry | undefined;
  /** Every setting, as the UI lists it. */
  readSettings(): object;
  /**
   * Write one setting as the CSMS's own request would (ChangeConfiguration, SetVariables).
   * @param body The request body (`value`, and for 2.0.1 the variable's address).
   * @param key The 1.6 key (from the path).
   */
  writeSetting(body: Record<string, unknown>, key?: string): Promise<SettingOutcome>;
}
