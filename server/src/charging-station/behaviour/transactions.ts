/**
 * Default answers of block E, Transactions: GetTransactionStatus (E14).
 * @module
 */
import type { Behaviours201 } from './types';

/** Transactions defaults. */
export const transactions: Behaviours201 = {
  GetTransactionStatus: (req, { station, transactions: t }) => {
    const queued = station.queue.messages.filter((m) => m.action === 'TransactionEvent');
    if (req.transactionId === undefined) return { response: { messagesInQueue: queued.length > 0 } };
    const mine = queued.some((m) => (m.payload as { transactionInfo?: { transactionId?: string } }).transactionInfo?.transactionId === req.transactionId);
    return { response: { ongoingIndicator: t.evseOf(req.transactionId) !== undefined, messagesInQueue: mine } };
  },
};
