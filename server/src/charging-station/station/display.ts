/**
 * The display of one 2.0.1 station (O01-O06): the messages the CSMS configured with
 * SetDisplayMessage, checked against `DisplayMessageCtrlr` (formats, priorities, room), bound
 * to a transaction or not, with a validity window and a station state; and what the display
 * shows now ({@link DisplayMessages.shown}), in priority order.
 * @module
 */
import type { DisplayMessageStatusEnumType, MessageInfoType, MessagePriorityEnumType, MessageStateEnumType } from '../../ocpp/v201/types';
import type { StationModel } from './station';

/** One line on the station's display. */
export interface ShownMessage {
  /** Where it comes from: a CSMS display message, the driver's tariff, the transaction's cost. */
  source: 'DisplayMessage' | 'Tariff' | 'Cost';
  /** The display message's id. */
  id?: number;
  /** AlwaysFront, InFront or NormalCycle. */
  priority: MessagePriorityEnumType;
  /** The text (or URI). */
  content: string;
  /** The message's language, when given. */
  language?: string;
  /** The EVSE it is about. */
  evseId?: number;
  /** The transaction it belongs to. */
  transactionId?: string;
}

const ORDER: Record<MessagePriorityEnumType, number> = { AlwaysFront: 0, InFront: 1, NormalCycle: 2 };

/** Sort shown messages by priority (O01.FR.14-16), then by id. */
export function byPriority(a: ShownMessage, b: ShownMessage): number {
  return ORDER[a.priority] - ORDER[b.priority] || (a.id ?? 0) - (b.id ?? 0);
}

/** The display messages of one station. */
export class DisplayMessages {
  private messagesMade: Map<number, MessageInfoType> | undefined;
  /** Configured messages by id. Made on first use. */
  private get messages(): Map<number, MessageInfoType> {
    return (this.messagesMade ??= new Map());
  }

  /**
   * The display of a station.
   * @param s The station.
   */
  constructor(private readonly s: StationModel) {
    s.displayMessageCount = () => this.all().length;
  }

  private get d() {
    return this.s.device;
  }

  /** Every configured message still valid: a passed endDateTime removes it (O01.FR.07). */
  all(): MessageInfoType[] {
    const now = this.s.now();
    for (const [id, m] of this.messages) {
      if (m.endDateTime && Date.parse(m.endDateTime) <= now) {
        this.messages.delete(id);
        this.s.changed();
      }
    }
    return [...this.messages.values()];
  }

  /** SetDisplayMessage (O01, O02, O06). */
  set(m: MessageInfoType): { status: DisplayMessageStatusEnumType; reason?: string } {
    const d = this.d;
    if (!d.bool('DisplayMessageCtrlr', 'Enabled')) return { status: 'Rejected', reason: 'DisplayMessageCtrlr.Enabled is false' };
    // O01.FR.03 / O01.FR.01: formats and priorities the display supports.
    if (!d.list('DisplayMessageCtrlr', 'SupportedFormats').includes(m.message.format)) return { status: 'NotSupportedMessageFormat' };
    if (!d.list('DisplayMessageCtrlr', 'SupportedPriorities').includes(m.priority)) return { status: 'NotSupportedPriority' };
    // O02.FR.01: a message for a transaction that does not run here.
    if (m.transactionId !== undefined && !this.s.evses.some((e) => e.transaction?.id === m.transactionId)) return { status: 'UnknownTransaction' };
    const room = d.spec(d.catalogue.index('DisplayMessageCtrlr', 'DisplayMessages')!).maxLimit ?? Infinity;
    // O06.FR.01: the same id replaces the message, so it takes no extra room.
    if (!this.messages.has(m.id) && this.all().length >= room) return { status: 'Rejected', reason: `the display holds ${room} messages` };
    // O01.FR.16 / O02.FR.18: a second AlwaysFront message (for the same transaction, or none) replaces the first.
    if (m.priority === 'AlwaysFront') {
      for (const [id, x] of this.messages) if (x.priority === 'AlwaysFront' && x.transactionId === m.transactionId) this.messages.delete(id);
    }
    this.messages.set(m.id, m);
    this.s.changed();
    return { status: 'Accepted' };
  }

  /** GetDisplayMessages (O03, O04): the messages matching every given criterion. */
  find(ids: readonly number[] | undefined, priority: MessagePriorityEnumType | undefined, state: MessageStateEnumType | undefined): MessageInfoType[] {
    return this.all().filter((m) => (!ids || ids.includes(m.id)) && (!priority || m.priority === priority) && (!state || m.state === state));
  }

  /** ClearDisplayMessage (O05). */
  clear(id: number): 'Accepted' | 'Unknown' {
    if (!this.all().some((m) => m.id === id)) return 'Unknown';
    this.messages.delete(id);
    this.s.changed();
    return 'Accepted';
  }

  /** A transaction ended: its messages go (O02.FR.14). */
  transactionEnded(transactionId: string): void {
    for (const [id, m] of this.messages) if (m.transactionId === transactionId) this.messages.delete(id);
    this.s.changed();
  }

  /** The states the station is in now, for messages shown only in one (O01: Charging, Faulted, Idle, Unavailable). */
  private states(): Set<MessageStateEnumType> {
    const out = new Set<MessageStateEnumType>();
    const connectors = this.s.evses.flatMap((e) => e.connectors);
    if (this.s.evses.some((e) => e.transaction?.chargingState === 'Charging')) out.add('Charging');
    if (connectors.some((c) => c.status === 'Faulted')) out.add('Faulted');
    if (this.s.inoperative || connectors.every((c) => c.status === 'Unavailable')) out.add('Unavailable');
    if (this.s.evses.every((e) => !e.transaction)) out.add('Idle');
    return out;
  }

  /** What the display shows of the configured messages: started (O01.FR.06), in a state that holds, by priority. */
  shown(): ShownMessage[] {
    if (!this.d.bool('DisplayMessageCtrlr', 'Enabled')) return [];
    const now = this.s.now();
    const states = this.states();
    return this.all()
      .filter((m) => (!m.startDateTime || Date.parse(m.startDateTime) <= now) && (!m.state || states.has(m.state)))
      .map((m) => {
        const shown: ShownMessage = { source: 'DisplayMessage', id: m.id, priority: m.priority, content: m.message.content };
        if (m.message.language) shown.language = m.message.language;
        if (m.transactionId) shown.transactionId = m.transactionId;
        if (m.display?.evse) shown.evseId = m.display.evse.id;
        return shown;
      })
      .sort(byPriority);
  }

  /** The messages to keep across a restart (O01.FR.10). */
  snapshot(): MessageInfoType[] {
    return this.all();
  }

  /** Restore saved messages. */
  restore(saved: readonly MessageInfoType[]): void {
    for (const m of saved) this.messages.set(m.id, m);
  }
}
