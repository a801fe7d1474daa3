/**
 * What the mock CSMS knows about its charge points, as a central system keeps it in its
 * database: each one's registration (the {@link ProtocolDiscipline}'s input), the
 * {@link TransactionBook}, and the request id counter; kept in a {@link StateDirectory} when
 * the CSMS has one, so a restarted CSMS carries on where it stopped.
 * @module
 */
import type { Payload } from '../ocpp/frames';
import type { ProtocolDiscipline } from './discipline';
import { StateDirectory } from './state-store';
import type { BookSnapshot, TransactionBook } from './transactions';

/** What the CSMS keeps in its state directory. */
export interface CsmsState {
  /** The transaction book (registrations included). */
  book: BookSnapshot;
  /** The last request id handed out. */
  requestId: number;
}

/** One journal entry: a CALL the CSMS answered with a CALLRESULT (and when), or a request id handed out. */
export type CsmsChange = { cp: string; action: string; request: Payload; response: Payload; at: string } | { requestId: number };

/** The records of one mock CSMS. */
export class CsmsRecords {
  /** Last reservationId / requestId / listVersion; seeded from the clock so a CSMS without state does not repeat its predecessor's. */
  private requestId = Math.floor(Date.now() / 1000) % 1_000_000;
  private state: StateDirectory<CsmsState, CsmsChange> | undefined;

  /**
   * Records kept in memory until {@link CsmsRecords.open} names a directory.
   * @param book The transaction book.
   * @param discipline The order rules (their registrations follow the book).
   * @param warn One readable line per problem with the state directory.
   */
  constructor(
    private readonly book: TransactionBook,
    private readonly discipline: ProtocolDiscipline,
    private readonly warn: (line: string) => void,
  ) {}

  /**
   * Restore the records kept in `dir` and keep them there from now on (throws a readable error
   * when another process uses the directory).
   * @param dir The state directory.
   */
  open(dir: string): void {
    if (this.state) return;
    const state = new StateDirectory<CsmsState, CsmsChange>(
      dir,
      {
        snapshot: () => ({ book: this.book.snapshot(), requestId: this.requestId }),
        restore: (s) => {
          this.book.restore(s.book);
          if (Number.isInteger(s.requestId)) this.requestId = s.requestId;
          for (const [cpId, record] of Object.entries(this.book.chargePoints())) this.discipline.booted(cpId, record.registration);
        },
        reset: () => {
          this.book.clear();
          this.discipline.clear();
        },
        replay: (change) => {
          if ('requestId' in change) this.requestId = Math.max(this.requestId, change.requestId);
          else this.enter(change.cp, change.action, change.request, change.response, change.at);
        },
      },
      { warn: this.warn },
    );
    state.open();
    this.state = state;
  }

  /** Save the records and give the state directory up (no-op without one). */
  close(): void {
    this.state?.close();
    this.state = undefined;
  }

  /** A fresh number for a reservationId, requestId or listVersion (never repeated, also across restarts with a state directory). */
  nextRequestId(): number {
    const requestId = ++this.requestId;
    void this.state?.append({ requestId });
    return requestId;
  }

  /**
   * Write an answered CALL to the journal; resolves once it is written (undefined without a
   * state directory: nothing to wait for). {@link CsmsRecords.enter} applies it.
   * @param cpId Charge point id.
   * @param action The action.
   * @param request The CALL's payload.
   * @param response The CALLRESULT's payload.
   */
  journal(cpId: string, action: string, request: Payload, response: Payload): Promise<void> | undefined {
    return this.state?.append({ cp: cpId, action, request, response, at: new Date().toISOString() });
  }

  /**
   * Apply a CALL the CSMS answers with a CALLRESULT to the book and the registrations.
   * @param cpId Charge point id.
   * @param action The action.
   * @param request The CALL's payload.
   * @param response The CALLRESULT's payload.
   * @param at When it was answered (ISO time; default now).
   */
  enter(cpId: string, action: string, request: Payload, response: Payload, at?: string): void {
    if (action === 'BootNotification') this.discipline.booted(cpId, String(response.status));
    this.book.record(cpId, action, request, response, at);
  }
}
