/**
 * The TransactionEvent audit of the conformance probes (OCPP 2.0.1 E01–E15): per station and
 * transactionId, exactly one `Started` and one `Ended`, `seqNo` growing by 1 within the
 * transaction (E01: a station-wide counter is allowed, so only the step is checked), nothing
 * after `Ended`, no transactionId used twice (E01.FR.08), and the `offline` flag set on events
 * that happened while the station was not connected (E11.FR.07: everything still queued at a
 * disconnect is offline).
 * @module
 */
import type { Payload } from '../../ocpp/frames';

/** Names of the audit's probes. */
export type AuditProbe = 'transaction-order' | 'transaction-seqno' | 'transaction-offline-flag';

/** Where a finding goes: the probe and one readable line. */
export type AuditSink = (probe: AuditProbe, detail: string) => void;

interface Tracked {
  started: boolean;
  ended: boolean;
  lastSeqNo: number;
  /** The last event, to recognise a resend of it (its answer was lost) as no new event. */
  lastKey: string;
}

/** Clock skew tolerated between the station's timestamps and ours before a flag is judged (ms). */
const SKEW_MS = 2_000;
/** Transactions remembered per station (oldest forgotten first), so a week-long run stays bounded. */
const MAX_TRACKED = 1_000;

/** The audit of one station (kept across its connections). */
export class TransactionEventAudit {
  private readonly txs = new Map<string, Tracked>();
  private connectedAt = 0;

  /**
   * Create the audit of one station.
   * @param report Where findings go.
   */
  constructor(private readonly report: AuditSink) {}

  /**
   * The station (re)connected: events stamped before this moment happened offline.
   * @param at When the connection opened (ms since epoch).
   */
  connected(at: number): void {
    this.connectedAt = at;
  }

  /**
   * A TransactionEvent request arrived (before it is answered).
   * @param req The request.
   * @param receivedAt When it arrived (ms since epoch).
   */
  event(req: Payload, receivedAt = Date.now()): void {
    const info = req.transactionInfo as { transactionId?: unknown } | undefined;
    const id = typeof info?.transactionId === 'string' ? info.transactionId : undefined;
    const type = String(req.eventType);
    const seqNo = typeof req.seqNo === 'number' ? req.seqNo : NaN;
    if (id === undefined) return;
    const key = `${type}/${seqNo}/${String(req.timestamp)}`;
    const tx = this.txs.get(id);
    if (tx?.lastKey === key) return; // a resend after a lost answer: the same event, not a new one
    this.checkOfflineFlag(id, type, seqNo, req, receivedAt);
    if (!tx) {
      if (type !== 'Started') this.report('transaction-order', `${type} (seqNo ${seqNo}) for transaction ${id}, which never Started`);
      this.track(id, { started: type === 'Started', ended: type === 'Ended', lastSeqNo: seqNo, lastKey: key });
      return;
    }
    if (tx.ended) {
      const what = type === 'Started' ? `transactionId ${id} reused: Started again after it Ended` : `${type} (seqNo ${seqNo}) for transaction ${id} after its Ended`;
      this.report('transaction-order', what);
    } else if (type === 'Started') {
      this.report('transaction-order', `a second Started for transaction ${id} (seqNo ${seqNo})`);
    }
    if (Number.isFinite(tx.lastSeqNo) && seqNo !== tx.lastSeqNo + 1) {
      this.report('transaction-seqno', `transaction ${id}: ${type} has seqNo ${seqNo} after ${tx.lastSeqNo} (expected ${tx.lastSeqNo + 1})`);
    }
    tx.started ||= type === 'Started';
    tx.ended ||= type === 'Ended';
    tx.lastSeqNo = seqNo;
    tx.lastKey = key;
  }

  private checkOfflineFlag(id: string, type: string, seqNo: number, req: Payload, receivedAt: number): void {
    const at = Date.parse(String(req.timestamp));
    if (!Number.isFinite(at) || this.connectedAt === 0) return;
    const offline = req.offline === true;
    if (!offline && at < this.connectedAt - SKEW_MS) {
      this.report('transaction-offline-flag', `transaction ${id}: ${type} (seqNo ${seqNo}) of ${String(req.timestamp)} happened before this connection opened but has no offline: true`);
    } else if (offline && at > this.connectedAt + SKEW_MS && at <= receivedAt + SKEW_MS) {
      this.report('transaction-offline-flag', `transaction ${id}: ${type} (seqNo ${seqNo}) is flagged offline but happened while connected`);
    }
  }

  private track(id: string, tx: Tracked): void {
    this.txs.set(id, tx);
    if (this.txs.size > MAX_TRACKED) this.txs.delete(this.txs.keys().next().value!);
  }
}
