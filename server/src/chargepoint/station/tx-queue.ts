/**
 * Messages with guaranteed, in-order delivery: the transaction-related ones (StartTransaction,
 * StopTransaction, transaction MeterValues) and SecurityEventNotification (security whitepaper:
 * critical events are queued) (OCPP-J 1.6 §4.7 and the 2025 errata): kept while offline and
 * sent oldest first once the charge point is back online; after a CALLERROR, retried up to
 * `TransactionMessageAttempts` times, waiting `TransactionMessageRetryInterval × n` seconds
 * before the n-th retry, then dropped. Other messages may overtake the queue; new transaction
 * messages wait behind it. A message pushed with {@link TxQueue.send} (a script's own
 * StartTransaction…) also has a sender waiting for its answer: the promise resolves with the
 * CSMS's answer once delivered, however many connections that took.
 * @module
 */
import { OcppCallError, OcppConnectionError, OcppError, OcppTimeoutError } from '../../ocpp/errors';
import type { Payload } from '../../ocpp/frames';
import type { Scheduler, TimerHandle } from '../../ocpp/scheduler';

/** One queued message. `txLocal` names the transaction whose CSMS id is filled in at send time. */
export interface QueuedMessage {
  /** Action: StartTransaction, StopTransaction, MeterValues or SecurityEventNotification. */
  action: string;
  /** Request payload (transactionId filled in at send time when `txLocal` is set). */
  payload: Payload;
  /** Local id of the transaction the message belongs to. */
  txLocal?: number;
  /** Failed attempts so far. */
  attempts: number;
}

/**
 * The queue gave up on a message after `attempts` (CALLERRORs or timeouts, per
 * `TransactionMessageAttempts`), or could not send it at all (its transaction was never
 * confirmed). `code` is that of the last failure (e.g. `InternalError`, `Timeout`), else `NotDelivered`.
 * @category Errors
 */
export class OcppDeliveryError extends OcppError {
  /**
   * Report a message the queue dropped.
   * @param action Its action, e.g. `MeterValues`.
   * @param attempts How often it was sent.
   * @param reason Why it was dropped.
   * @param last The error of the last attempt, if there was one.
   */
  constructor(readonly action: string, readonly attempts: number, reason: string, last?: OcppError) {
    super(last?.code ?? 'NotDelivered', `${action} not delivered after ${attempts} attempt(s): ${reason}`, last?.details);
  }
}

/** Someone waiting for a message's answer. */
interface Sender {
  resolve(response: Payload): void;
  reject(err: Error): void;
}

/** What the queue needs from its charge point. */
export interface TxQueueHost {
  /** Scheduler for retry waits. */
  readonly scheduler: Scheduler;
  /** True when messages may be sent (connected and accepted by the CSMS). */
  online(): boolean;
  /** Send a CALL. */
  call(action: string, payload: Payload): Promise<Payload>;
  /** The CSMS transactionId of a local transaction, once known. */
  transactionIdOf(txLocal: number): number | undefined;
  /** A message was delivered and answered. */
  delivered(message: QueuedMessage, response: Payload): void;
  /** `TransactionMessageAttempts` and `TransactionMessageRetryInterval` (s) as configured now. */
  retryPolicy(): { attempts: number; intervalS: number };
  /** A readable warning. */
  warn(line: string): void;
  /** The queue changed (persist it). */
  changed(): void;
}

/** The transaction message queue of one charge point. */
export class TxQueue {
  private items: QueuedMessage[] = [];
  private busy = false;
  private retryTimer: TimerHandle | undefined;
  private idleWaiters: (() => void)[] = [];
  private sendersMade: Map<QueuedMessage, Sender> | undefined;
  /** Senders of messages pushed with {@link TxQueue.send}; not persisted (a promise does not outlive its process). Made on first use. */
  private get senders(): Map<QueuedMessage, Sender> {
    return (this.sendersMade ??= new Map());
  }

  /**
   * Create an empty queue.
   * @param host The charge point side.
   */
  constructor(private readonly host: TxQueueHost) {}

  /** Messages waiting (including the one being sent). */
  get length(): number {
    return this.items.length;
  }

  /** A copy of the waiting messages (persistence, UI). */
  get messages(): QueuedMessage[] {
    return this.items.map((m) => ({ ...m }));
  }

  /** Append a message; it is sent when everything before it was. */
  push(action: string, payload: Payload, txLocal?: number): void {
    this.append(action, payload, txLocal);
    this.pump();
  }

  /**
   * Append a message and resolve with the CSMS's answer once it is delivered, after as many
   * reconnects as that takes. Rejects with the error itself when it cannot be sent at all (our
   * schema validation refused it), with an {@link OcppDeliveryError} when the queue gives up on it,
   * and with the error given to {@link TxQueue.releaseSenders}.
   */
  send(action: string, payload: Payload, txLocal?: number): Promise<Payload> {
    return new Promise((resolve, reject) => {
      this.senders.set(this.append(action, payload, txLocal), { resolve, reject });
      this.pump();
    });
  }

  private append(action: string, payload: Payload, txLocal: number | undefined): QueuedMessage {
    const message: QueuedMessage = { action, payload, txLocal, attempts: 0 };
    this.items.push(message);
    this.host.changed();
    return message;
  }

  /**
   * Stop waiting on behalf of the senders (the charge point is closed for good): their promises
   * reject with `err`; the messages stay queued (and persisted, with a state directory).
   */
  releaseSenders(err: (message: QueuedMessage) => Error): void {
    for (const [message, sender] of this.senders) sender.reject(err(message));
    this.senders.clear();
  }

  /**
   * Change the waiting messages in place (a 2.0.1 station marks every TransactionEvent still
   * queued when the connection drops as `offline`, E11.FR.07).
   */
  update(change: (m: QueuedMessage) => void): void {
    if (this.items.length === 0) return;
    for (const m of this.items) change(m);
    this.host.changed();
  }

  /** Replace the contents (restoring a persisted queue). */
  restore(messages: QueuedMessage[]): void {
    this.items = messages.map((m) => ({ ...m }));
    this.senders.clear();
  }

  /** Resolve once the queue is empty, or after `timeoutMs`. */
  drained(timeoutMs: number): Promise<void> {
    if (this.items.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = this.host.scheduler.after(timeoutMs, done);
      const host = this.host;
      function done(): void {
        host.scheduler.cancel(timer);
        resolve();
      }
      this.idleWaiters.push(done);
    });
  }

  /** Send the head of the queue if the charge point is online and nothing is under way. */
  pump(): void {
    if (this.busy || this.retryTimer || !this.host.online()) return;
    const head = this.items[0];
    if (!head) {
      for (const w of this.idleWaiters.splice(0)) w();
      return;
    }
    let payload = head.payload;
    if (head.txLocal !== undefined && head.action !== 'StartTransaction') {
      const transactionId = this.host.transactionIdOf(head.txLocal);
      if (transactionId === undefined) {
        // Its StartTransaction was dropped: the CSMS never learnt the transaction, so this cannot be delivered.
        this.drop(new OcppDeliveryError(head.action, head.attempts, 'its transaction was never confirmed by the CSMS'), `${head.action} of a transaction the CSMS never confirmed`);
        return this.pump();
      }
      payload = { ...payload, transactionId };
    }
    this.busy = true;
    this.host.call(head.action, payload).then(
      (response) => {
        this.busy = false;
        this.items.shift();
        this.host.changed();
        this.host.delivered(head, response);
        this.settle(head)?.resolve(response);
        this.pump();
      },
      (err: unknown) => {
        this.busy = false;
        this.failed(head, err);
      },
    );
  }

  private failed(head: QueuedMessage, err: unknown): void {
    // Not delivered for lack of a connection: keep it; going online pumps again.
    if (err instanceof OcppConnectionError) return;
    const retriable = err instanceof OcppCallError || err instanceof OcppTimeoutError;
    const policy = this.host.retryPolicy();
    head.attempts++;
    if (!retriable || head.attempts >= Math.max(1, policy.attempts)) {
      const reason = (err as Error).message;
      // Not retriable: refused before it reached the CSMS (our own validation) or an unreadable answer; its sender gets that error as is.
      const rejection = retriable ? new OcppDeliveryError(head.action, head.attempts, reason, err as OcppError) : (err as Error);
      this.drop(rejection, `${head.action} after ${head.attempts} attempt(s): ${reason}`);
      return this.pump();
    }
    this.host.changed();
    this.retryTimer = this.host.scheduler.after(policy.intervalS * 1000 * head.attempts, () => {
      this.retryTimer = undefined;
      this.pump();
    });
  }

  /** Give up on the head: warn, and reject its sender with `err`. */
  private drop(err: Error, line: string): void {
    const head = this.items.shift()!;
    this.host.changed();
    this.host.warn(`dropped ${line}`);
    this.settle(head)?.reject(err);
  }

  private settle(message: QueuedMessage): Sender | undefined {
    const sender = this.senders.get(message);
    this.senders.delete(message);
    return sender;
  }

  /** Stop retry waits (the charge point is shutting down). */
  stop(): void {
    this.host.scheduler.cancel(this.retryTimer);
    this.retryTimer = undefined;
  }
}
