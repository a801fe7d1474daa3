/**
 * OCPP-J 1.6 (with the 1.6 Security Whitepaper edition 3 extension) as data: actions, their
 * direction and feature profile, error code spellings, and the official OCA JSON schemas.
 *
 * The schemas are the official OCA 1.6 and security-extension schemas as shipped (one data
 * file, errata applied: integer intervals, `additionalProperties: false` at every level) by the
 * `ocpp-rpc` npm package.
 * @module
 */
import { legacyCertificateChain } from '../../security/certificates';
import { type ActionSpec, type MessageKind, type ProtocolVersion, precompiledValidators } from '../protocol';

const CP = 'ChargePoint';
const CSMS = 'CSMS';

/** Every 1.6 action: who sends the request, and the feature profile it belongs to. */
export const OCPP16_ACTIONS: Readonly<Record<string, ActionSpec>> = {
  // Core
  Authorize: { initiator: CP, profile: 'Core' },
  BootNotification: { initiator: CP, profile: 'Core' },
  DataTransfer: { initiator: 'Both', profile: 'Core' },
  Heartbeat: { initiator: CP, profile: 'Core' },
  MeterValues: { initiator: CP, profile: 'Core' },
  StartTransaction: { initiator: CP, profile: 'Core' },
  StatusNotification: { initiator: CP, profile: 'Core' },
  StopTransaction: { initiator: CP, profile: 'Core' },
  ChangeAvailability: { initiator: CSMS, profile: 'Core' },
  ChangeConfiguration: { initiator: CSMS, profile: 'Core' },
  ClearCache: { initiator: CSMS, profile: 'Core' },
  GetConfiguration: { initiator: CSMS, profile: 'Core' },
  RemoteStartTransaction: { initiator: CSMS, profile: 'Core' },
  RemoteStopTransaction: { initiator: CSMS, profile: 'Core' },
  Reset: { initiator: CSMS, profile: 'Core' },
  UnlockConnector: { initiator: CSMS, profile: 'Core' },
  // FirmwareManagement
  DiagnosticsStatusNotification: { initiator: CP, profile: 'FirmwareManagement' },
  FirmwareStatusNotification: { initiator: CP, profile: 'FirmwareManagement' },
  GetDiagnostics: { initiator: CSMS, profile: 'FirmwareManagement' },
  UpdateFirmware: { initiator: CSMS, profile: 'FirmwareManagement' },
  // LocalAuthListManagement
  GetLocalListVersion: { initiator: CSMS, profile: 'LocalAuthListManagement' },
  SendLocalList: { initiator: CSMS, profile: 'LocalAuthListManagement' },
  // Reservation
  ReserveNow: { initiator: CSMS, profile: 'Reservation' },
  CancelReservation: { initiator: CSMS, profile: 'Reservation' },
  // SmartCharging
  SetChargingProfile: { initiator: CSMS, profile: 'SmartCharging' },
  ClearChargingProfile: { initiator: CSMS, profile: 'SmartCharging' },
  GetCompositeSchedule: { initiator: CSMS, profile: 'SmartCharging' },
  // RemoteTrigger
  TriggerMessage: { initiator: CSMS, profile: 'RemoteTrigger' },
  // Security extension
  LogStatusNotification: { initiator: CP, profile: 'Security' },
  SecurityEventNotification: { initiator: CP, profile: 'Security' },
  SignCertificate: { initiator: CP, profile: 'Security' },
  SignedFirmwareStatusNotification: { initiator: CP, profile: 'Security' },
  CertificateSigned: { initiator: CSMS, profile: 'Security' },
  DeleteCertificate: { initiator: CSMS, profile: 'Security' },
  ExtendedTriggerMessage: { initiator: CSMS, profile: 'Security' },
  GetInstalledCertificateIds: { initiator: CSMS, profile: 'Security' },
  GetLog: { initiator: CSMS, profile: 'Security' },
  InstallCertificate: { initiator: CSMS, profile: 'Security' },
  SignedUpdateFirmware: { initiator: CSMS, profile: 'Security' },
};

type SchemaFile = { $id: string; $schema?: string }[];

let schemas: Map<string, object> | undefined;

/** Schemas by `Action.req` / `Action.conf`, read once on first use. */
function loadSchemas(): Map<string, object> {
  if (!schemas) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const file = require('ocpp-rpc/lib/schemas/ocpp1_6.json') as SchemaFile;
    schemas = new Map(
      file.map(({ $id, $schema: _draft, ...schema }) => [$id.replace(/^urn:/, ''), schema]),
    );
  }
  return schemas;
}

/** The schema of one 1.6 message, or undefined for an unknown action. */
export function ocpp16Schema(action: string, kind: MessageKind): object | undefined {
  return loadSchemas().get(`${action}.${kind === 'request' ? 'req' : 'conf'}`);
}

/** 1.6 errata: the schema accepts both spellings, the wire gets the one 1.6 defined. */
function celciusOnTheWire(action: string, kind: MessageKind, payload: Record<string, unknown>): Record<string, unknown> {
  if (kind !== 'request' || (action !== 'MeterValues' && action !== 'StopTransaction')) return payload;
  const text = JSON.stringify(payload);
  return text.includes('"Celsius"') ? (JSON.parse(text.replaceAll('"unit":"Celsius"', '"unit":"Celcius"')) as Record<string, unknown>) : payload;
}

/**
 * Security whitepaper edition 1 sent CertificateSigned as hex DER `cert: string[]`; editions 2
 * and 3 (and the schema) have a PEM `certificateChain`. Returns undefined when there is nothing
 * to convert, or when `cert` is not convertible (validation then names the problem).
 */
function editionTwoCertificateSigned(action: string, kind: MessageKind, payload: Record<string, unknown>): Record<string, unknown> | undefined {
  if (action !== 'CertificateSigned' || kind !== 'request' || !Array.isArray(payload.cert)) return undefined;
  const { cert, ...rest } = payload;
  if (typeof rest.certificateChain === 'string') return rest;
  const certificateChain = legacyCertificateChain(cert as unknown[]);
  return certificateChain === undefined ? undefined : { ...rest, certificateChain };
}

/**
 * The AuthorizationKey of the 1.6 security whitepaper (the HTTP Basic password of profiles 1 and 2):
 * 16 to 20 bytes, hex encoded, so 32 to 40 hex digits.
 */
export const AUTHORIZATION_KEY = /^(?:[0-9a-fA-F]{2}){16,20}$/;

/** OCPP-J 1.6 with the security extension. */
export const ocpp16: ProtocolVersion = {
  subprotocol: 'ocpp1.6',
  actions: OCPP16_ACTIONS,
  errors: {
    formation: 'FormationViolation',
    occurrence: 'OccurenceConstraintViolation',
    property: 'PropertyConstraintViolation',
    type: 'TypeConstraintViolation',
    notImplemented: 'NotImplemented',
    notSupported: 'NotSupported',
    internal: 'InternalError',
    framework: 'FormationViolation',
    generic: 'GenericError',
  },
  unknownMessageType: 'ignore',
  transactionActions: new Set(['StartTransaction', 'StopTransaction', 'MeterValues']),
  bootRequest: { action: 'TriggerMessage', payload: { requestedMessage: 'BootNotification' } },
  schema: ocpp16Schema,
  normalizeOutbound: (action, kind, payload) => editionTwoCertificateSigned(action, kind, payload) ?? celciusOnTheWire(action, kind, payload),
  precompiledValidators: () => precompiledValidators('ocpp1.6'),
  normalizeInbound(action, kind, payload, warn) {
    const converted = editionTwoCertificateSigned(action, kind, payload);
    if (!converted) return payload;
    warn(`${action} with the edition-1 "cert" array: converted to a PEM certificateChain`);
    return converted;
  },
};
