/**
 * Every default behaviour, grouped by feature profile (OCPP 1.6 §3): one table the charge point
 * registers as its answers to CSMS-initiated calls.
 * @module
 */
import { core } from './core';
import { firmware } from './firmware';
import { localAuthList } from './local-auth-list';
import { remoteTrigger } from './remote-trigger';
import { reservation } from './reservation';
import { security } from './security';
import { smartCharging } from './smart-charging';
import type { Behaviours } from './types';

/** Default behaviour of each CSMS-initiated 1.6 action. */
export const DEFAULT_BEHAVIOURS: Behaviours = { ...core, ...firmware, ...localAuthList, ...reservation, ...smartCharging, ...remoteTrigger, ...security };

export { defaultCsrSubject, requestChargePointCertificate } from './security';
export type { Behaviour, BehaviourContext, Behaviours, Outcome } from './types';
