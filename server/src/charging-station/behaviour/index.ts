/**
 * Every 2.0.1 default behaviour, grouped by functional block (Part 2 blocks B-P): one table the
 * charging station registers as its answers to CSMS-initiated calls. Actions absent here (ISO
 * 15118 certificates…) are answered NotSupported.
 * @module
 */
import { authorization } from './authorization';
import { availability } from './availability';
import { certificates } from './certificates';
import { dataTransfer } from './data-transfer';
import { diagnostics } from './diagnostics';
import { display } from './display';
import { firmware } from './firmware';
import { monitoring } from './monitoring';
import { provisioning } from './provisioning';
import { remoteControl } from './remote-control';
import { reservation } from './reservation';
import { smartCharging } from './smart-charging';
import { transactions } from './transactions';
import type { Behaviours201 } from './types';

/** Default behaviour of each CSMS-initiated 2.0.1 action this station implements. */
export const DEFAULT_BEHAVIOURS_201: Behaviours201 = { ...provisioning, ...authorization, ...transactions, ...remoteControl, ...availability, ...reservation, ...dataTransfer, ...firmware, ...diagnostics, ...monitoring, ...display, ...certificates, ...smartCharging };

export { applyScheduledAvailability } from './availability';
export { releaseWaitingInstall } from './firmware';
export { runScheduledReset } from './provisioning';
export type { Behaviour201, Behaviours201, Outcome201, StationContext } from './types';
