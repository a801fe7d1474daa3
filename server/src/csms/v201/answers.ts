/**
 * The mock central system's default answer to every station-initiated OCPP 2.0.1 action: always
 * schema-valid, always one that lets a station carry on. Authorization verdicts come from the
 * policy and are rendered as 2.0.1 idTokenInfo.
 * @module
 */
import type { Payload } from '../../ocpp/frames';
import type { AnswerContext, Verdict } from '../dialect';

const now = (): string => new Date().toISOString();

/**
 * A policy verdict as a 2.0.1 `idTokenInfo`. A throttled token is `NotAtThisTime`: 2.0.1 has the
 * status the seed's rate limit means ("not now"), unlike 1.6.
 * @param verdict The policy's verdict.
 */
export function idTokenInfo(verdict: Verdict): Payload {
  return { status: verdict === 'Throttled' ? 'NotAtThisTime' : verdict };
}

const tokenOf = (request: Payload): string | undefined => {
  const token = request.idToken as { idToken?: unknown } | undefined;
  return typeof token?.idToken === 'string' ? token.idToken : undefined;
};

/** Default answers by action (`'never'`: leave the CALL unanswered). */
export const V201_ANSWERS: Readonly<Record<string, (request: Payload, ctx: AnswerContext) => Payload | 'never'>> = {
  Authorize: (req, ctx) => (ctx.policy.offline ? 'never' : { idTokenInfo: idTokenInfo(ctx.policy.authorize(tokenOf(req) ?? '', ctx.cpId)) }),
  BootNotification: (_req, ctx) => ctx.policy.bootAnswer(ctx.cpId, ctx.heartbeatInterval),
  ClearedChargingLimit: () => ({}),
  DataTransfer: () => ({ status: 'Accepted' }),
  FirmwareStatusNotification: () => ({}),
  // The mock has no contract-certificate back end: say so (M02 "Failed").
  Get15118EVCertificate: () => ({ status: 'Failed', exiResponse: '' }),
  GetCertificateStatus: () => ({ status: 'Failed' }),
  Heartbeat: () => ({ currentTime: now() }),
  LogStatusNotification: () => ({}),
  MeterValues: () => ({}),
  NotifyChargingLimit: () => ({}),
  NotifyCustomerInformation: () => ({}),
  NotifyDisplayMessages: () => ({}),
  NotifyEVChargingNeeds: () => ({ status: 'Accepted' }),
  NotifyEVChargingSchedule: () => ({ status: 'Accepted' }),
  NotifyEvent: () => ({}),
  NotifyMonitoringReport: () => ({}),
  NotifyReport: () => ({}),
  PublishFirmwareStatusNotification: () => ({}),
  ReportChargingProfiles: () => ({}),
  ReservationStatusUpdate: () => ({}),
  SecurityEventNotification: () => ({}),
  // With a CA (`pki` option) the MockCsms answers itself and follows up with CertificateSigned.
  SignCertificate: () => ({ status: 'Accepted' }),
  StatusNotification: () => ({}),
  // idTokenInfo only when the event carries a token (E01.FR.?: the CSMS answers the token it was
  // given); transactions are never throttled (refusing one only makes the station retry it).
  TransactionEvent: (req, ctx) => {
    const token = tokenOf(req);
    if (token === undefined) return {};
    const verdict = ctx.policy.tokenStatus(token);
    return { idTokenInfo: idTokenInfo(verdict) };
  },
};
