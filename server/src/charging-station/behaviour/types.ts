/**
 * The shape of a 2.0.1 default behaviour: one function per CSMS-initiated action that reads and
 * changes the station model and returns the answer, plus an optional follow-up that runs once
 * the answer is on the wire (F06.FR.05: the response first, then the requested message).
 * @module
 */
import type { Ocpp201Messages } from '../../ocpp/v201/types';
import type { StationContext } from '../station/context';

export type { StationContext } from '../station/context';

/** A behaviour's result: the response payload and what to do after sending it. */
export interface Outcome201<A extends keyof Ocpp201Messages> {
  /** The response payload. */
  response: Ocpp201Messages[A]['response'];
  /** Follow-up messages, run after the response was sent. */
  followUp?: () => unknown;
}

/** Default behaviour of one 2.0.1 action. */
export type Behaviour201<A extends keyof Ocpp201Messages> = (request: Ocpp201Messages[A]['request'], ctx: StationContext) => Outcome201<A> | Promise<Outcome201<A>>;

/** Default behaviours by action. */
export type Behaviours201 = { [A in keyof Ocpp201Messages]?: Behaviour201<A> };
