/**
 * The calls a mock CSMS sent (from REST, the console, scripts or the web UI) with their answers,
 * newest last and bounded: what its web view lists. A call still open says why it waits: OCPP-J
 * allows one outstanding CALL per direction (OCPP-J §4.1.1), so a second one to the same station
 * is queued behind the first.
 * @module
 */
import type { Payload } from '../ocpp/frames';

/** One CSMS-initiated call and, once there, its answer. */
export interface SentCall {
  /** A number unique within this CSMS's run. */
  seq: number;
  /** Charge point id. */
  cpId: string;
  /** The action. */
  action: string;
  /** The request payload. */
  request: Payload;
  /** When it was handed to the station's connection (ISO time). */
  sentAt: string;
  /** When the answer (or failure) came (ISO time). */
  answeredAt?: string;
  /** The CALLRESULT payload. */
  response?: Payload;
  /** Why it failed: a CALLERROR code and text, a timeout, a lost connection. */
  error?: { code?: string; message: string };
  /** While open: the seq of the earlier open call to the same station it waits behind. */
  queuedBehind?: number;
}

/** The newest calls a CSMS sent, up to a bound. */
export class CallHistory {
  private readonly calls: SentCall[] = [];
  private seq = 0;

  /**
   * An empty history.
   * @param limit How many calls to keep (the oldest go first).
   */
  constructor(private readonly limit = 200) {}

  /**
   * Note a call being sent; returns its record to complete with {@link CallHistory.answered} or {@link CallHistory.failed}.
   * @param cpId Charge point id.
   * @param action The action.
   * @param request The request payload.
   */
  sent(cpId: string, action: string, request: Payload): SentCall {
    const call: SentCall = { seq: ++this.seq, cpId, action, request, sentAt: new Date().toISOString() };
    this.calls.push(call);
    if (this.calls.length > this.limit) this.calls.splice(0, this.calls.length - this.limit);
    return call;
  }

  /**
   * The answer came.
   * @param call The record from {@link CallHistory.sent}.
   * @param response The CALLRESULT payload.
   */
  answered(call: SentCall, response: Payload): void {
    call.answeredAt = new Date().toISOString();
    call.response = response;
  }

  /**
   * The call failed.
   * @param call The record from {@link CallHistory.sent}.
   * @param err The error (an OcppError carries a code).
   */
  failed(call: SentCall, err: unknown): void {
    call.answeredAt = new Date().toISOString();
    const code = (err as { code?: unknown })?.code;
    call.error = { ...(typeof code === 'string' ? { code } : {}), message: String((err as Error)?.message ?? err).split('\n')[0] };
  }

  /**
   * The kept calls, oldest first, optionally of one station; an open call names the earlier open one it is queued behind.
   * @param cpId Only this charge point's calls.
   */
  list(cpId?: string): SentCall[] {
    const openBy = new Map<string, number>();
    return this.calls
      .filter((c) => cpId === undefined || c.cpId === cpId)
      .map((c) => {
        if (c.answeredAt) return { ...c };
        const ahead = openBy.get(c.cpId);
        if (ahead === undefined) openBy.set(c.cpId, c.seq);
        return ahead === undefined ? { ...c } : { ...c, queuedBehind: ahead };
      });
  }
}
