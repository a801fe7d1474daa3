/**
 * Default requests of every CSMS-initiated 1.6 and security-extension action, for periodic
 * commands, the console and the REST API: schema-valid, built from the charge point's state
 * where the action needs it, harmless where the action allows it (Operative, the heartbeat
 * interval the CSMS hands out, an immediately cancellable reservation) and exercising the charge
 * point where it cannot be (Reset Soft, a firmware URL on the CSMS's file server).
 * @module
 */
import type { Payload } from '../../ocpp/frames';
import { cancelLastReservation, type CommandContext } from '../dialect';

const PLACEHOLDER_PEM = '-----BEGIN CERTIFICATE-----\nTUlJQnBsYWNlaG9sZGVy\n-----END CERTIFICATE-----\n';
const ZERO_HASH = '0'.repeat(64);
const inMinutes = (m: number): string => new Date(Date.now() + m * 60_000).toISOString();
const fileUrl = (ctx: CommandContext, name: string): string => `${ctx.fileServerUrl.replace(/\/?$/, '/')}${name}`;

/**
 * Default request of every CSMS-initiated action; `undefined` means "nothing to send to this
 * charge point now" (RemoteStopTransaction without an open transaction, CancelReservation
 * without a reservation). Chosen to be harmless
 * where the action allows it (Operative, the heartbeat interval the CSMS hands out, an
 * immediately cancellable reservation) and to exercise the charge point where it cannot be
 * (Reset Soft, a firmware URL on the CSMS's file server).
 */
export const V16_COMMAND_PAYLOADS: Readonly<Record<string, (ctx: CommandContext) => Payload | undefined>> = {
  ChangeAvailability: () => ({ connectorId: 0, type: 'Operative' }),
  ChangeConfiguration: ({ csms }) => ({ key: 'HeartbeatInterval', value: String(csms.heartbeatInterval) }),
  ClearCache: () => ({}),
  DataTransfer: () => ({ vendorId: 'ocpp-sim', messageId: 'ping', data: new Date().toISOString() }),
  GetConfiguration: () => ({}),
  RemoteStartTransaction: (ctx) => {
    const connectorId = ctx.freeEvse();
    return connectorId === undefined ? { idTag: ctx.firstToken() } : { connectorId, idTag: ctx.firstToken() };
  },
  RemoteStopTransaction: (ctx) => {
    const open = ctx.openTransaction();
    return open && { transactionId: open.transactionId };
  },
  Reset: () => ({ type: 'Soft' }),
  UnlockConnector: () => ({ connectorId: 1 }),
  GetDiagnostics: (ctx) => ({ location: fileUrl(ctx, ''), retries: 1, retryInterval: 5 }),
  UpdateFirmware: (ctx) => ({ location: fileUrl(ctx, 'firmware.bin'), retrieveDate: new Date().toISOString(), retries: 1, retryInterval: 5 }),
  GetLocalListVersion: () => ({}),
  SendLocalList: (ctx) => ({
    listVersion: ctx.nextId(),
    updateType: 'Full',
    localAuthorizationList: ctx.tokens().slice(0, 20).map((idTag) => ({ idTag, idTagInfo: { status: 'Accepted' } })),
  }),
  CancelReservation: cancelLastReservation,
  ReserveNow: (ctx) => ({
    connectorId: ctx.freeEvse() ?? 1,
    expiryDate: inMinutes(15),
    idTag: ctx.firstToken(),
    reservationId: ctx.nextId(),
  }),
  ClearChargingProfile: () => ({}),
  GetCompositeSchedule: () => ({ connectorId: 0, duration: 3600, chargingRateUnit: 'W' }),
  SetChargingProfile: () => ({
    connectorId: 0,
    csChargingProfiles: {
      chargingProfileId: 1,
      stackLevel: 0,
      chargingProfilePurpose: 'ChargePointMaxProfile',
      chargingProfileKind: 'Absolute',
      chargingSchedule: { startSchedule: new Date().toISOString(), chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 32 }] },
    },
  }),
  TriggerMessage: () => ({ requestedMessage: 'Heartbeat' }),
  ExtendedTriggerMessage: () => ({ requestedMessage: 'Heartbeat' }),
  // Without a CA there is nothing real to send; the charge point must refuse the placeholder.
  CertificateSigned: () => ({ certificateChain: PLACEHOLDER_PEM }),
  InstallCertificate: ({ csms }) => ({ certificateType: 'CentralSystemRootCertificate', certificate: csms.caCertificate ?? PLACEHOLDER_PEM }),
  DeleteCertificate: () => ({ certificateHashData: { hashAlgorithm: 'SHA256', issuerNameHash: ZERO_HASH, issuerKeyHash: ZERO_HASH, serialNumber: '1' } }),
  GetInstalledCertificateIds: () => ({ certificateType: 'CentralSystemRootCertificate' }),
  GetLog: (ctx) => ({ logType: 'DiagnosticsLog', requestId: ctx.nextId(), log: { remoteLocation: fileUrl(ctx, '') }, retries: 1, retryInterval: 5 }),
  SignedUpdateFirmware: (ctx) => ({
    requestId: ctx.nextId(),
    retries: 1,
    retryInterval: 5,
    firmware: { location: fileUrl(ctx, 'firmware.bin'), retrieveDateTime: new Date().toISOString(), signingCertificate: PLACEHOLDER_PEM, signature: 'c2lnbmF0dXJl' },
  }),
};

