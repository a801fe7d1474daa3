/**
 * The shape of a default behaviour: one function per CSMS-initiated action that reads and
 * changes the model and returns the answer, plus an optional follow-up that runs once the
 * answer is on the wire (OCPP 1.6: "send the .conf first, then …").
 * @module
 */
import type { Ocpp16Messages } from '../../ocpp/v16/types';
import type { Lifecycle } from '../station/lifecycle';
import type { Station } from '../station/station';

/** What a behaviour works on. */
export interface BehaviourContext {
  /** The model. */
  station: Station;
  /** Boot, reboot, heartbeat. */
  lifecycle: Lifecycle;
}

/** A behaviour's result: the response payload and what to do after sending it (not named `then`: an object with a `then` method is a thenable). */
export interface Outcome<A extends keyof Ocpp16Messages> {
  /** The response payload. */
  response: Ocpp16Messages[A]['response'];
  /** Follow-up messages, run after the response was sent. */
  followUp?: () => unknown;
}

/** Default behaviour of one action. */
export type Behaviour<A extends keyof Ocpp16Messages> = (request: Ocpp16Messages[A]['request'], ctx: BehaviourContext) => Outcome<A> | Promise<Outcome<A>>;

/** Default behaviours by action. */
export type Behaviours = { [A in keyof Ocpp16Messages]?: Behaviour<A> };

/** True when the charge point supports a feature profile (SupportedFeatureProfiles). */
export function supports(station: Station, profile: string): boolean {
  return (station.config.profiles as readonly string[]).includes(profile);
}
