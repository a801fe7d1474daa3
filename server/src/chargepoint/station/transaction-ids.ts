/**
 * Local transaction numbers and the transactionIds the CSMS gave them. A 1.6 transaction gets
 * its id only in the StartTransaction.conf (§6.46), which may come long after, when it was
 * started offline; the queue fills the id into its later messages at send time (§4.7).
 * @module
 */

/** The ledger of one charge point's transactions. */
export class TransactionIds {
  private seq = 0;
  private idsMade: Map<number, number> | undefined;
  /** Made on first use. */
  private get ids(): Map<number, number> {
    return (this.idsMade ??= new Map());
  }

  /** A new local transaction number. */
  next(): number {
    return ++this.seq;
  }

  /** The CSMS gave `local` its transactionId. @param local Local number. @param transactionId The CSMS's id. */
  resolve(local: number, transactionId: number): void {
    this.ids.set(local, transactionId);
  }

  /** The CSMS's transactionId of a local transaction, once known. @param local Local number. */
  csmsId(local: number): number | undefined {
    return this.ids.get(local);
  }

  /** The local transaction a CSMS transactionId was given to (the latest: a CSMS may reuse ids). @param transactionId The CSMS's id. */
  localIdOf(transactionId: number): number | undefined {
    let local: number | undefined;
    for (const [l, id] of this.ids) if (id === transactionId) local = l;
    return local;
  }

  /** What persistence keeps: the highest local number used and the ids resolved so far. */
  snapshot(): { seq: number; ids: [number, number][] } {
    return { seq: this.seq, ids: [...this.ids] };
  }

  /** Restore persisted bookkeeping. @param seq Highest local number used. @param ids Resolved ids. */
  restore(seq: number, ids: [number, number][]): void {
    this.seq = Math.max(this.seq, seq);
    for (const [local, id] of ids) this.ids.set(local, id);
  }
}
