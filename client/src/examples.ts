// Example payloads for the CSMS side: requests the CSMS view sends, and answers given by hand.

const inOneHour = () => new Date(Date.now() + 3600_000).toISOString();
const now = () => new Date().toISOString();

/** A plausible request payload for a CSMS-initiated action. */
export function csmsRequestExample(action: string): object {
  switch (action) {
    case 'CancelReservation': return { reservationId: 1 };
    case 'ChangeAvailability': return { connectorId: 1, type: 'Inoperative' };
    case 'ChangeConfiguration': return { key: 'HeartbeatInterval', value: '60' };
    case 'ClearCache': return {};
    case 'ClearChargingProfile': return {};
    case 'DataTransfer': return { vendorId: 'ocpp-sim', messageId: 'hello', data: 'world' };
    case 'GetCompositeSchedule': return { connectorId: 1, duration: 3600, chargingRateUnit: 'W' };
    case 'GetConfiguration': return {};
    case 'GetDiagnostics': return { location: 'ftp://user:pass@127.0.0.1:2121/' };
    case 'GetLocalListVersion': return {};
    case 'RemoteStartTransaction': return { connectorId: 1, idTag: 'TAG001' };
    case 'RemoteStopTransaction': return { transactionId: 1 };
    case 'ReserveNow': return { connectorId: 1, expiryDate: inOneHour(), idTag: 'TAG001', reservationId: 1 };
    case 'Reset': return { type: 'Soft' };
    case 'SendLocalList': return { listVersion: 1, updateType: 'Full', localAuthorizationList: [{ idTag: 'TAG001', idTagInfo: { status: 'Accepted' } }] };
    case 'SetChargingProfile': return {
      connectorId: 1,
      csChargingProfiles: {
        chargingProfileId: 1, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Relative',
        chargingSchedule: { chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 11000 }] },
      },
    };
    case 'TriggerMessage': return { requestedMessage: 'StatusNotification', connectorId: 1 };
    case 'UnlockConnector': return { connectorId: 1 };
    case 'UpdateFirmware': return { location: 'ftp://user:pass@127.0.0.1:2121/firmware.bin', retrieveDate: now() };
    case 'ExtendedTriggerMessage': return { requestedMessage: 'Heartbeat' };
    case 'GetInstalledCertificateIds': return { certificateType: 'CentralSystemRootCertificate' };
    case 'DeleteCertificate': return { certificateHashData: { hashAlgorithm: 'SHA256', issuerNameHash: '00', issuerKeyHash: '00', serialNumber: '01' } };
    case 'InstallCertificate': return { certificateType: 'CentralSystemRootCertificate', certificate: '-----BEGIN CERTIFICATE-----\n…\n-----END CERTIFICATE-----' };
    case 'CertificateSigned': return { certificateChain: '-----BEGIN CERTIFICATE-----\n…\n-----END CERTIFICATE-----' };
    case 'GetLog': return { logType: 'DiagnosticsLog', requestId: 1, log: { remoteLocation: 'ftp://user:pass@127.0.0.1:2121/' } };
    case 'SignedUpdateFirmware': return {
      requestId: 1,
      firmware: { location: 'ftp://127.0.0.1:2121/firmware.bin', retrieveDateTime: now(), signingCertificate: '-----BEGIN CERTIFICATE-----\n…', signature: 'base64' },
    };
    default: return {};
  }
}

/** A plausible answer of the charge point to a CSMS call, for answering by hand. */
export function manualAnswerExample(action: string): object {
  switch (action) {
    case 'GetConfiguration': return { configurationKey: [], unknownKey: [] };
    case 'GetDiagnostics': return { fileName: 'diagnostics.log' };
    case 'GetLocalListVersion': return { listVersion: 0 };
    case 'GetCompositeSchedule': return { status: 'Rejected' };
    case 'UpdateFirmware': return {};
    case 'UnlockConnector': return { status: 'Unlocked' };
    case 'DataTransfer': return { status: 'Accepted' };
    case 'GetInstalledCertificateIds': return { status: 'NotFound' };
    case 'GetLog': return { status: 'Accepted', filename: 'log.txt' };
    default: return { status: 'Accepted' };
  }
}

export const CALL_ERROR_CODES = [
  'NotImplemented', 'NotSupported', 'InternalError', 'ProtocolError', 'SecurityError', 'FormationViolation',
  'PropertyConstraintViolation', 'OccurenceConstraintViolation', 'TypeConstraintViolation', 'GenericError',
];

export const CONNECTOR_ERROR_CODES = [
  'ConnectorLockFailure', 'EVCommunicationError', 'GroundFailure', 'HighTemperature', 'InternalError', 'LocalListConflict',
  'OtherError', 'OverCurrentFailure', 'OverVoltage', 'PowerMeterFailure', 'PowerSwitchFailure', 'ReaderFailure',
  'ResetFailure', 'UnderVoltage', 'WeakSignal',
];
