/**
 * The device model of a simulated 2.0.1 charging station as data: every controller component and
 * variable the station supports, with its data type, mutability, default value and
 * characteristics (OCPP 2.0.1 Part 2 "Referenced Components and Variables"; the Core controllers
 * of ocpp201-rules.md §2 plus the optional ones this simulator implements). One row per
 * variable; no code per variable. The physical components (ChargingStation, EVSE, Connector)
 * come from the station profile ({@link physicalRows}).
 * @module
 */
import type { AttributeEnumType, DataEnumType, MutabilityEnumType } from '../../ocpp/v201/types';

/** One variable of the catalogue. */
export interface VariableSpec {
  /** Component name, e.g. `OCPPCommCtrlr`. */
  component: string;
  /** Component instance. */
  componentInstance?: string;
  /** EVSE the component belongs to. */
  evseId?: number;
  /** Connector (with `evseId`). */
  connectorId?: number;
  /** Variable name. */
  variable: string;
  /** Variable instance, e.g. `TransactionEvent` of MessageAttempts. */
  instance?: string;
  /** Data type (VariableCharacteristics.dataType). */
  dataType: DataEnumType;
  /** Mutability of the Actual attribute. */
  mutability: MutabilityEnumType;
  /** Initial Actual value (absent: unset, read as `""`). */
  value?: string;
  /** Unit of measure. */
  unit?: string;
  /** Lowest value; for strings the least length. */
  minLimit?: number;
  /** Highest value; for strings the greatest length. */
  maxLimit?: number;
  /** Allowed values of an OptionList / MemberList / SequenceList, comma-separated. */
  valuesList?: string;
  /** Attribute types supported (default Actual only); `mutability` applies to each. */
  attributes?: readonly AttributeEnumType[];
  /** Initial values of the other attributes, e.g. `{ MaxSet: '22000' }` (Target, MinSet, MaxSet). */
  attributeValues?: Partial<Record<AttributeEnumType, string>>;
  /** A set takes effect only after a reboot (SetVariables answers RebootRequired). */
  rebootRequired?: boolean;
  /** Not kept across a reboot. */
  volatile?: boolean;
  /** Part of the SummaryInventory report (availability and problems, B07.FR.09). */
  summary?: boolean;
  /** Read from the live station rather than stored (never set by SetVariables). */
  live?: LiveValue;
}

/** What a live variable mirrors: see {@link VariableSpec.live}. */
export type LiveValue = 'availabilityState' | 'available' | 'power' | 'clock' | 'localListEntries' | 'lockProblem' | 'displayMessages' | 'chargingProfiles';

/** Measurands the simulated meter produces, in 2.0.1 spelling. */
export const METER_MEASURANDS = [
  'Energy.Active.Import.Register', 'Energy.Active.Export.Register', 'Energy.Active.Import.Interval', 'Energy.Active.Export.Interval',
  'Energy.Reactive.Import.Register', 'Energy.Reactive.Export.Register', 'Power.Active.Import', 'Power.Active.Export',
  'Power.Offered', 'Power.Factor', 'Current.Import', 'Current.Export', 'Current.Offered', 'Voltage', 'Frequency', 'SoC',
].join(',');

/** The TxStartPoint values (E01), and the TxStopPoint ones (DataSigned cannot stop). */
export const TX_START_POINTS = 'ParkingBayOccupancy,EVConnected,Authorized,DataSigned,PowerPathClosed,EnergyTransfer';
const TX_STOP_POINTS = 'ParkingBayOccupancy,EVConnected,Authorized,PowerPathClosed,EnergyTransfer';

type Row = [component: string, variable: string, dataType: DataEnumType, mutability: 'RO' | 'RW' | 'WO', value?: string, extra?: Partial<VariableSpec>];

const MUTABILITY = { RO: 'ReadOnly', RW: 'ReadWrite', WO: 'WriteOnly' } as const;
const s = (unit = 's'): Partial<VariableSpec> => ({ unit, minLimit: 0 });

/**
 * The controller components. `Name[Instance]` names a variable instance. Values are the
 * defaults of a simulated AC station; a profile's `variables` override them.
 */
const ROWS: Row[] = [
  // OCPPCommCtrlr (B, Part 4 §5.3 back-off)
  ['OCPPCommCtrlr', 'HeartbeatInterval', 'integer', 'RW', '300', { unit: 's', minLimit: 1 }],
  ['OCPPCommCtrlr', 'MessageTimeout[Default]', 'integer', 'RO', '30', s()],
  ['OCPPCommCtrlr', 'MessageAttempts[TransactionEvent]', 'integer', 'RW', '3', { minLimit: 0, maxLimit: 10 }],
  ['OCPPCommCtrlr', 'MessageAttemptInterval[TransactionEvent]', 'integer', 'RW', '60', s()],
  ['OCPPCommCtrlr', 'NetworkConfigurationPriority', 'SequenceList', 'RW', '1', { valuesList: '1,2' }],
  ['OCPPCommCtrlr', 'NetworkProfileConnectionAttempts', 'integer', 'RW', '3', { minLimit: 1 }],
  ['OCPPCommCtrlr', 'OfflineThreshold', 'integer', 'RW', '300', s()],
  ['OCPPCommCtrlr', 'ResetRetries', 'integer', 'RW', '2', { minLimit: 0 }],
  ['OCPPCommCtrlr', 'UnlockOnEVSideDisconnect', 'boolean', 'RW', 'true'],
  ['OCPPCommCtrlr', 'PublicKeyWithSignedMeterValue', 'OptionList', 'RW', 'OncePerTransaction', { valuesList: 'Never,OncePerTransaction,EveryMeterValue' }],
  ['OCPPCommCtrlr', 'FileTransferProtocols', 'MemberList', 'RO', 'FTP,FTPS,HTTP,HTTPS', { valuesList: 'FTP,FTPS,HTTP,HTTPS' }],
  ['OCPPCommCtrlr', 'RetryBackOffWaitMinimum', 'integer', 'RW', '3', s()],
  ['OCPPCommCtrlr', 'RetryBackOffRandomRange', 'integer', 'RW', '2', s()],
  ['OCPPCommCtrlr', 'RetryBackOffRepeatTimes', 'integer', 'RW', '5', { minLimit: 0 }],
  ['OCPPCommCtrlr', 'WebSocketPingInterval', 'integer', 'RW', '0', s()],
  // SecurityCtrlr (A)
  ['SecurityCtrlr', 'SecurityProfile', 'integer', 'RO', '1', { minLimit: 1, maxLimit: 3 }],
  ['SecurityCtrlr', 'OrganizationName', 'string', 'RW', 'ocpp-sim'],
  // maxLimit: how many certificates the store holds (InstallCertificate Failed beyond).
  ['SecurityCtrlr', 'CertificateEntries', 'integer', 'RO', '0', { maxLimit: 20 }],
  // A01.FR.01: a passwordString of 16 to 40 characters, never read back.
  ['SecurityCtrlr', 'BasicAuthPassword', 'string', 'WO', undefined, { minLimit: 16, maxLimit: 40 }],
  ['SecurityCtrlr', 'Identity', 'string', 'RO', undefined, { maxLimit: 48 }],
  ['SecurityCtrlr', 'AllowSecurityProfileDowngrade', 'boolean', 'RW', 'false'],
  ['SecurityCtrlr', 'AdditionalRootCertificateCheck', 'boolean', 'RO', 'false'],
  // A02.FR.17/18: no CertificateSigned within CertSigningWaitMinimum s (doubling) → SignCertificate again, up to CertSigningRepeatTimes.
  ['SecurityCtrlr', 'CertSigningWaitMinimum', 'integer', 'RW', '60', s()],
  ['SecurityCtrlr', 'CertSigningRepeatTimes', 'integer', 'RW', '3', { minLimit: 0 }],
  // AuthCtrlr (C)
  ['AuthCtrlr', 'Enabled', 'boolean', 'RW', 'true'],
  ['AuthCtrlr', 'AuthorizeRemoteStart', 'boolean', 'RW', 'true'],
  ['AuthCtrlr', 'LocalAuthorizeOffline', 'boolean', 'RW', 'true'],
  ['AuthCtrlr', 'LocalPreAuthorize', 'boolean', 'RW', 'false'],
  ['AuthCtrlr', 'OfflineTxForUnknownIdEnabled', 'boolean', 'RW', 'false'],
  ['AuthCtrlr', 'MasterPassGroupId', 'string', 'RW', undefined, { maxLimit: 36 }],
  ['AuthCtrlr', 'DisableRemoteAuthorization', 'boolean', 'RW', 'false'],
  // AuthCacheCtrlr (C10-C12)
  ['AuthCacheCtrlr', 'Enabled', 'boolean', 'RW', 'true'],
  ['AuthCacheCtrlr', 'Available', 'boolean', 'RO', 'true'],
  ['AuthCacheCtrlr', 'LifeTime', 'integer', 'RW', '86400', s()],
  ['AuthCacheCtrlr', 'Policy', 'OptionList', 'RW', 'LRU', { valuesList: 'LRU' }],
  ['AuthCacheCtrlr', 'DisablePostAuthorize', 'boolean', 'RW', 'false'],
  // LocalAuthListCtrlr (D)
  ['LocalAuthListCtrlr', 'Enabled', 'boolean', 'RW', 'true'],
  ['LocalAuthListCtrlr', 'Available', 'boolean', 'RO', 'true'],
  ['LocalAuthListCtrlr', 'Entries', 'integer', 'RO', '0', { volatile: true, live: 'localListEntries' }],
  ['LocalAuthListCtrlr', 'ItemsPerMessage', 'integer', 'RO', '100'],
  ['LocalAuthListCtrlr', 'BytesPerMessage', 'integer', 'RO', '65000'],
  ['LocalAuthListCtrlr', 'DisablePostAuthorize', 'boolean', 'RW', 'false'],
  // TxCtrlr (E)
  ['TxCtrlr', 'TxStartPoint', 'MemberList', 'RW', 'PowerPathClosed', { valuesList: TX_START_POINTS }],
  ['TxCtrlr', 'TxStopPoint', 'MemberList', 'RW', 'EVConnected,Authorized', { valuesList: TX_STOP_POINTS }],
  ['TxCtrlr', 'EVConnectionTimeOut', 'integer', 'RW', '120', s()],
  ['TxCtrlr', 'StopTxOnEVSideDisconnect', 'boolean', 'RW', 'true'],
  ['TxCtrlr', 'StopTxOnInvalidId', 'boolean', 'RW', 'true'],
  ['TxCtrlr', 'MaxEnergyOnInvalidId', 'integer', 'RW', '0', s('Wh')],
  ['TxCtrlr', 'TxBeforeAcceptedEnabled', 'boolean', 'RW', 'false'],
  // SampledDataCtrlr (J02)
  ['SampledDataCtrlr', 'Enabled', 'boolean', 'RW', 'true'],
  ['SampledDataCtrlr', 'TxStartedMeasurands', 'MemberList', 'RW', 'Energy.Active.Import.Register', { valuesList: METER_MEASURANDS }],
  ['SampledDataCtrlr', 'TxUpdatedMeasurands', 'MemberList', 'RW', 'Energy.Active.Import.Register,Power.Active.Import', { valuesList: METER_MEASURANDS }],
  ['SampledDataCtrlr', 'TxUpdatedInterval', 'integer', 'RW', '60', s()],
  ['SampledDataCtrlr', 'TxEndedMeasurands', 'MemberList', 'RW', 'Energy.Active.Import.Register', { valuesList: METER_MEASURANDS }],
  ['SampledDataCtrlr', 'TxEndedInterval', 'integer', 'RW', '0', s()],
  ['SampledDataCtrlr', 'SignReadings', 'boolean', 'RW', 'false'],
  // AlignedDataCtrlr (J01)
  ['AlignedDataCtrlr', 'Enabled', 'boolean', 'RW', 'true'],
  ['AlignedDataCtrlr', 'Measurands', 'MemberList', 'RW', 'Energy.Active.Import.Register', { valuesList: METER_MEASURANDS }],
  ['AlignedDataCtrlr', 'Interval', 'integer', 'RW', '0', s()],
  ['AlignedDataCtrlr', 'SendDuringIdle', 'boolean', 'RW', 'false'],
  ['AlignedDataCtrlr', 'TxEndedMeasurands', 'MemberList', 'RW', 'Energy.Active.Import.Register', { valuesList: METER_MEASURANDS }],
  ['AlignedDataCtrlr', 'TxEndedInterval', 'integer', 'RW', '0', s()],
  // DeviceDataCtrlr (B06-B08 limits)
  ['DeviceDataCtrlr', 'ItemsPerMessage[GetReport]', 'integer', 'RO', '20'],
  ['DeviceDataCtrlr', 'ItemsPerMessage[GetVariables]', 'integer', 'RO', '50'],
  ['DeviceDataCtrlr', 'ItemsPerMessage[SetVariables]', 'integer', 'RO', '50'],
  ['DeviceDataCtrlr', 'BytesPerMessage[GetReport]', 'integer', 'RO', '65000'],
  ['DeviceDataCtrlr', 'BytesPerMessage[GetVariables]', 'integer', 'RO', '65000'],
  ['DeviceDataCtrlr', 'BytesPerMessage[SetVariables]', 'integer', 'RO', '65000'],
  // ClockCtrlr
  ['ClockCtrlr', 'DateTime', 'dateTime', 'RO', undefined, { volatile: true, live: 'clock' }],
  ['ClockCtrlr', 'TimeSource', 'SequenceList', 'RW', 'Heartbeat', { valuesList: 'Heartbeat,NTP,GPS,RealTimeClock,MobileNetwork,RadioTimeTransmitter' }],
  // ReservationCtrlr (H)
  ['ReservationCtrlr', 'Enabled', 'boolean', 'RW', 'true'],
  ['ReservationCtrlr', 'Available', 'boolean', 'RO', 'true'],
  ['ReservationCtrlr', 'NonEvseSpecific', 'boolean', 'RO', 'true'],
  // MonitoringCtrlr (N02-N08): SetMonitoringBase / SetMonitoringLevel write the Active* values.
  ['MonitoringCtrlr', 'Enabled', 'boolean', 'RW', 'true'],
  ['MonitoringCtrlr', 'Available', 'boolean', 'RO', 'true'],
  ['MonitoringCtrlr', 'ItemsPerMessage[ClearVariableMonitoring]', 'integer', 'RO', '20'],
  ['MonitoringCtrlr', 'ItemsPerMessage[SetVariableMonitoring]', 'integer', 'RO', '20'],
  ['MonitoringCtrlr', 'BytesPerMessage[ClearVariableMonitoring]', 'integer', 'RO', '65000'],
  ['MonitoringCtrlr', 'BytesPerMessage[SetVariableMonitoring]', 'integer', 'RO', '65000'],
  // N07.FR.04: offline, events of this severity or more severe (lower number) are queued.
  ['MonitoringCtrlr', 'OfflineQueuingSeverity', 'integer', 'RW', '4', { minLimit: 0, maxLimit: 9 }],
  ['MonitoringCtrlr', 'ActiveMonitoringBase', 'OptionList', 'RO', 'All', { valuesList: 'All,FactoryDefault,HardWiredOnly' }],
  ['MonitoringCtrlr', 'ActiveMonitoringLevel', 'integer', 'RO', '9', { minLimit: 0, maxLimit: 9 }],
  // DisplayMessageCtrlr (O01-O06): maxLimit of DisplayMessages is how many messages fit.
  ['DisplayMessageCtrlr', 'Enabled', 'boolean', 'RW', 'true'],
  ['DisplayMessageCtrlr', 'Available', 'boolean', 'RO', 'true'],
  ['DisplayMessageCtrlr', 'DisplayMessages', 'integer', 'RO', '0', { maxLimit: 20, volatile: true, live: 'displayMessages' }],
  ['DisplayMessageCtrlr', 'SupportedFormats', 'MemberList', 'RO', 'ASCII,UTF8,URI', { valuesList: 'ASCII,HTML,URI,UTF8' }],
  ['DisplayMessageCtrlr', 'SupportedPriorities', 'MemberList', 'RO', 'AlwaysFront,InFront,NormalCycle', { valuesList: 'AlwaysFront,InFront,NormalCycle' }],
  ['DisplayMessageCtrlr', 'PersonalMessageSize', 'integer', 'RO', '255'],
  // TariffCostCtrlr (I01-I03)
  ['TariffCostCtrlr', 'Enabled[Tariff]', 'boolean', 'RW', 'true'],
  ['TariffCostCtrlr', 'Available[Tariff]', 'boolean', 'RO', 'true'],
  ['TariffCostCtrlr', 'Enabled[Cost]', 'boolean', 'RW', 'true'],
  ['TariffCostCtrlr', 'Available[Cost]', 'boolean', 'RO', 'true'],
  ['TariffCostCtrlr', 'Currency', 'string', 'RW', 'EUR', { maxLimit: 3 }],
  ['TariffCostCtrlr', 'TariffFallbackMessage', 'string', 'RW', 'Standard tariff applies', { maxLimit: 255 }],
  ['TariffCostCtrlr', 'TotalCostFallbackMessage', 'string', 'RW', 'Total cost available from your provider', { maxLimit: 255 }],
  // SmartChargingCtrlr (K01-K13): Entries[ChargingProfiles] maxLimit is how many profiles fit; LimitChangeSignificance in percent.
  ['SmartChargingCtrlr', 'Enabled', 'boolean', 'RW', 'true'],
  ['SmartChargingCtrlr', 'Available', 'boolean', 'RO', 'true'],
  ['SmartChargingCtrlr', 'Entries[ChargingProfiles]', 'integer', 'RO', '0', { maxLimit: 24, volatile: true, live: 'chargingProfiles' }],
  ['SmartChargingCtrlr', 'ProfileStackLevel', 'integer', 'RO', '8', { minLimit: 0 }],
  ['SmartChargingCtrlr', 'PeriodsPerSchedule', 'integer', 'RO', '24', { minLimit: 1 }],
  ['SmartChargingCtrlr', 'RateUnit', 'MemberList', 'RO', 'A,W', { valuesList: 'A,W' }],
  ['SmartChargingCtrlr', 'LimitChangeSignificance', 'decimal', 'RW', '1.0', { unit: 'Percent', minLimit: 0 }],
  ['SmartChargingCtrlr', 'ExternalControlSignalsEnabled', 'boolean', 'RW', 'true'],
  ['SmartChargingCtrlr', 'NotifyChargingLimitWithSchedules', 'boolean', 'RW', 'false'],
  ['SmartChargingCtrlr', 'Phases3to1', 'boolean', 'RO', 'false'],
  // L01.FR.07: while an update waits for transactions to end, idle EVSEs take no new sessions unless true.
  ['ChargingStation', 'AllowNewSessionsPendingFirmwareUpdate', 'boolean', 'RW', 'false'],
];

const NAME_INSTANCE = /^([^[]+)(?:\[([^\]]+)\])?$/;

/** The catalogue rows as specs (made once). */
function rowSpec([component, name, dataType, m, value, extra]: Row): VariableSpec {
  const [, variable, instance] = NAME_INSTANCE.exec(name)!;
  return { component, variable: variable!, instance, dataType, mutability: MUTABILITY[m], value, ...extra };
}
const CONTROLLERS: readonly VariableSpec[] = ROWS.map(rowSpec);

/** The controller components' variables. */
export function controllerSpecs(): readonly VariableSpec[] {
  return CONTROLLERS;
}

/**
 * ISO15118Ctrlr (2.0.1 Part 2 appendix, ISO 15118 support), for a profile with `iso15118`:
 * SeccId is the CN and OrganizationName / CountryName the O / C of the V2G certificate's CSR (A02.FR.15).
 */
const ISO15118_ROWS: Row[] = [
  ['ISO15118Ctrlr', 'Enabled', 'boolean', 'RW', 'true'],
  ['ISO15118Ctrlr', 'SeccId', 'string', 'RO', undefined, { maxLimit: 64 }],
  ['ISO15118Ctrlr', 'OrganizationName', 'string', 'RW', 'ocpp-sim'],
  ['ISO15118Ctrlr', 'CountryName', 'string', 'RW', 'NL', { minLimit: 2, maxLimit: 2 }],
  ['ISO15118Ctrlr', 'CentralContractValidationAllowed', 'boolean', 'RW', 'false'],
  ['ISO15118Ctrlr', 'ContractValidationOffline', 'boolean', 'RW', 'true'],
  ['ISO15118Ctrlr', 'V2GCertificateInstallationEnabled', 'boolean', 'RW', 'true'],
  ['ISO15118Ctrlr', 'ContractCertificateInstallationEnabled', 'boolean', 'RW', 'true'],
  ['ISO15118Ctrlr', 'PnCEnabled', 'boolean', 'RW', 'false'],
  ['ISO15118Ctrlr', 'RequestMeteringReceipt', 'boolean', 'RW', 'false'],
];
const ISO15118: readonly VariableSpec[] = ISO15118_ROWS.map(rowSpec);

/** ISO15118Ctrlr's variables (added by a profile that claims ISO 15118). */
export function iso15118Specs(): readonly VariableSpec[] {
  return ISO15118;
}

/** The hardware a physical component row is made from. */
export interface PhysicalLayout {
  /** Phases supplied (1 or 3). */
  phases: number;
  /** Per EVSE: its most power in W and its connector types. */
  evses: readonly { maxPowerW: number; connectors: readonly string[] }[];
}

const AVAILABILITY = 'Available,Occupied,Reserved,Unavailable,Faulted';

/**
 * The physical components (Part 2 "minimal model"): ChargingStation, each EVSE and each
 * Connector with `Available`, `AvailabilityState` (OptionList, ReadOnly) and their hardware.
 * AvailabilityState values are live (read from the model), so they have no initial value here.
 */
export function physicalRows(layout: PhysicalLayout): VariableSpec[] {
  const rows: VariableSpec[] = [];
  const state = (component: string, evseId?: number, connectorId?: number): void => {
    const where = { component, evseId, connectorId };
    rows.push({ ...where, variable: 'AvailabilityState', dataType: 'OptionList', mutability: 'ReadOnly', valuesList: AVAILABILITY, volatile: true, summary: true, live: 'availabilityState' });
    rows.push({ ...where, variable: 'Available', dataType: 'boolean', mutability: 'ReadOnly', value: 'true', summary: true, live: 'available' });
  };
  state('ChargingStation');
  rows.push({ component: 'ChargingStation', variable: 'SupplyPhases', dataType: 'integer', mutability: 'ReadOnly', value: String(layout.phases) });
  rows.push({ component: 'ChargingStation', variable: 'Problem', dataType: 'boolean', mutability: 'ReadOnly', value: 'false', volatile: true, summary: true });
  layout.evses.forEach((evse, i) => {
    const evseId = i + 1;
    state('EVSE', evseId);
    // Part 2 (EVSE component): Actual is the power drawn now, MaxSet the most the EVSE can deliver.
    rows.push({
      component: 'EVSE', evseId, variable: 'Power', dataType: 'decimal', mutability: 'ReadOnly', value: '0', unit: 'W', maxLimit: evse.maxPowerW,
      attributes: ['Actual', 'MaxSet'], attributeValues: { MaxSet: String(evse.maxPowerW) }, volatile: true, live: 'power',
    });
    rows.push({ component: 'EVSE', evseId, variable: 'SupplyPhases', dataType: 'integer', mutability: 'ReadOnly', value: String(layout.phases) });
    evse.connectors.forEach((type, j) => {
      state('Connector', evseId, j + 1);
      rows.push({ component: 'Connector', evseId, connectorId: j + 1, variable: 'ConnectorType', dataType: 'string', mutability: 'ReadOnly', value: type });
      // G05.FR.02: the cable lock's failure is reported as this variable's change.
      rows.push({ component: 'ConnectorPlugRetentionLock', evseId, connectorId: j + 1, variable: 'Problem', dataType: 'boolean', mutability: 'ReadOnly', value: 'false', volatile: true, summary: true, live: 'lockProblem' });
    });
  });
  return rows;
}
