/**
 * The mock central system's default answer to every charge-point-initiated 1.6 and security
 * action: always a schema-valid response that lets a charge point carry on.
 * @module
 */
import type { Payload } from '../ocpp/frames';

/** What a default answer may read: the request and the CSMS's counters. */
export interface AnswerContext {
  /** Heartbeat interval handed out in BootNotification.conf (s). */
  heartbeatInterval: number;
  /** Next transaction id. */
  nextTransactionId(): number;
}

const accepted = { idTagInfo: { status: 'Accepted' } };
const now = (): string => new Date().toISOString();

/** Default answers by action. */
export const DEFAULT_ANSWERS: Readonly<Record<string, (request: Payload, ctx: AnswerContext) => Payload>> = {
  BootNotification: (_req, ctx) => ({ status: 'Accepted', currentTime: now(), interval: ctx.heartbeatInterval }),
  Heartbeat: () => ({ currentTime: now() }),
  Authorize: () => accepted,
  StartTransaction: (_req, ctx) => ({ transactionId: ctx.nextTransactionId(), ...accepted }),
  StopTransaction: (req) => (req.idTag === undefined ? {} : accepted),
  MeterValues: () => ({}),
  StatusNotification: () => ({}),
  DataTransfer: () => ({ status: 'Accepted' }),
  DiagnosticsStatusNotification: () => ({}),
  FirmwareStatusNotification: () => ({}),
  // With a CA (`pki` option) the MockCsms answers itself and follows up with CertificateSigned.
  SignCertificate: () => ({ status: 'Accepted' }),
  SecurityEventNotification: () => ({}),
  LogStatusNotification: () => ({}),
  SignedFirmwareStatusNotification: () => ({}),
};
