/**
 * The mock central system's default answer to every charge-point-initiated 1.6 and security
 * action: always a schema-valid response that lets a charge point carry on. Authorization
 * verdicts come from the policy and are rendered as 1.6 idTagInfo.
 * @module
 */
import { OcppError } from '../../ocpp/errors';
import type { Payload } from '../../ocpp/frames';
import type { AnswerContext, Verdict } from '../dialect';

const now = (): string => new Date().toISOString();

/**
 * The answer to Authorize: an idTagInfo, or a thrown CALLERROR for a throttled token.
 *
 * Why a CALLERROR for rate limiting: 1.6 has no "not at this time" status (2.0.1 added
 * NotAtThisTime), and every 1.6 AuthorizationStatus is a verdict on the token that the charge
 * point must store in its Authorization Cache (§3.5.1): answering Invalid or Blocked would
 * poison the cache with a refusal the CSMS never decided. A throttling server declines to
 * process the request instead, so the answer is `GenericError` ("any other error", OCPP-J 1.6
 * §4.2.3; none of the specific codes fits) with `retryAfter` in the details, and the charge
 * point takes its path for an unanswerable Authorize, without a cache entry.
 * @param verdict The policy's verdict.
 * @param retryAfter Seconds the charge point is told to wait.
 */
function authorizeAnswer(verdict: Verdict, retryAfter: number): Payload {
  if (verdict === 'Throttled') throw new OcppError('GenericError', 'rate limited: too many requests, try again later', { retryAfter });
  return { idTagInfo: { status: verdict } };
}

const idTagInfo = (ctx: AnswerContext, idTag: unknown): Payload => ({ status: ctx.policy.tokenStatus(String(idTag)) });

/** Default answers by action (`'never'`: leave the CALL unanswered). */
export const V16_ANSWERS: Readonly<Record<string, (request: Payload, ctx: AnswerContext) => Payload | 'never'>> = {
  BootNotification: (_req, ctx) => ctx.policy.bootAnswer(ctx.cpId, ctx.heartbeatInterval),
  Heartbeat: () => ({ currentTime: now() }),
  Authorize: (req, ctx) => (ctx.policy.offline ? 'never' : authorizeAnswer(ctx.policy.authorize(String(req.idTag), ctx.cpId), ctx.policy.retryAfter(ctx.cpId))),
  // Transactions are never throttled; their idTagInfo follows whitelist / blacklist.
  StartTransaction: (req, ctx) => ({ transactionId: ctx.nextTransactionId(), idTagInfo: idTagInfo(ctx, req.idTag) }),
  StopTransaction: (req, ctx) => (req.idTag === undefined ? {} : { idTagInfo: idTagInfo(ctx, req.idTag) }),
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
