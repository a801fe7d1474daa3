/**
 * Protocol discipline of the mock CSMS: order is checked, not assumed. Each rule can be
 * switched off for lenient testing.
 *
 * - `requireAccepted`: a CALL other than BootNotification from a charge point whose last
 *   BootNotification was not answered Accepted gets CALLERROR `SecurityError`. OCPP 1.6 §4.2.1
 *   forbids such requests (Pending: only messages the CSMS asked for with TriggerMessage;
 *   Rejected: nothing until the interval has passed), and OCPP 2.0.1 (B02.FR.09, B03.FR.08)
 *   names `SecurityError` as the CSMS's answer: an unregistered station is not trusted.
 *   A message requested with (Extended)TriggerMessage while Pending is let through once.
 *   Except the transaction messages of a charge point this CSMS has no boot of at all: a
 *   charge point that booted at a CSMS which then lost its records (or never had them)
 *   reconnects without booting, as it should, and refusing its queued transaction messages
 *   would make it drop them after TransactionMessageAttempts. They are answered, and the CSMS
 *   asks the charge point to boot ({@link ProtocolDiscipline.needsBoot}).
 * - `bootBeforeStatus`: a StatusNotification from a charge point that never sent a
 *   BootNotification to this CSMS gets CALLERROR `GenericError` (with `requireAccepted` on,
 *   that rule answers first with `SecurityError`). Not `SecurityError`, since the rule is about
 *   order, not trust; not a payload code (`FormationViolation`, `ProtocolError`, …), since the
 *   payload is fine: 1.6 has no order code, so it is the catch-all.
 *
 * Registration is remembered per charge point id across reconnects: a charge point that was
 * accepted and reconnects without a new BootNotification (as 1.6 intends) stays accepted.
 * @module
 */

/** The switches (both default on). */
export interface DisciplineOptions {
  /** Refuse CALLs before the boot was Accepted with `SecurityError` (default true). */
  requireAccepted?: boolean;
  /** Refuse StatusNotification before any BootNotification with `GenericError` (default true). */
  bootBeforeStatus?: boolean;
}

/** A CALL refused by a rule: answer it with this CALLERROR. */
export interface Refusal {
  /** CALLERROR code. */
  code: 'SecurityError' | 'GenericError';
  /** Readable description (the rule that refused it). */
  description: string;
}

/** Messages (Extended)TriggerMessage can request, by the CALL they make the charge point send. */
const TRIGGERED_ACTION: Readonly<Record<string, string>> = {
  BootNotification: 'BootNotification',
  DiagnosticsStatusNotification: 'DiagnosticsStatusNotification',
  FirmwareStatusNotification: 'FirmwareStatusNotification',
  Heartbeat: 'Heartbeat',
  MeterValues: 'MeterValues',
  StatusNotification: 'StatusNotification',
  LogStatusNotification: 'LogStatusNotification',
  SignChargePointCertificate: 'SignCertificate',
};

/**
 * The CALL a (Extended)TriggerMessage makes the charge point send.
 * @param trigger `TriggerMessage` or `ExtendedTriggerMessage`.
 * @param requestedMessage The request's `requestedMessage`.
 */
export function triggeredAction(trigger: string, requestedMessage: string): string | undefined {
  // In the security extension FirmwareStatusNotification asks for the signed variant.
  if (trigger === 'ExtendedTriggerMessage' && requestedMessage === 'FirmwareStatusNotification') return 'SignedFirmwareStatusNotification';
  return TRIGGERED_ACTION[requestedMessage];
}

/** Registration state and the order rules, per charge point id. */
export class ProtocolDiscipline {
  /** Rule: boot Accepted before anything else. */
  requireAccepted: boolean;
  /** Rule: BootNotification before StatusNotification. */
  bootBeforeStatus: boolean;
  private readonly registration = new Map<string, string>();
  private readonly allowed = new Map<string, Set<string>>();

  /**
   * Create the rules.
   * @param options Switches (`false` switches both off).
   * @param transactionActions The protocol's transaction messages (`ProtocolVersion.transactionActions`):
   *   answered even from a charge point never booted here.
   */
  constructor(
    options: DisciplineOptions | boolean = true,
    private readonly transactionActions: ReadonlySet<string> = new Set(),
  ) {
    const o = typeof options === 'boolean' ? { requireAccepted: options, bootBeforeStatus: options } : options;
    this.requireAccepted = o.requireAccepted ?? true;
    this.bootBeforeStatus = o.bootBeforeStatus ?? true;
  }

  /**
   * The status of the charge point's last answered BootNotification, or undefined before any.
   * @param cpId Charge point id.
   */
  registrationOf(cpId: string): string | undefined {
    return this.registration.get(cpId);
  }

  /**
   * The CSMS answered a BootNotification.
   * @param cpId Charge point id.
   * @param status The status it answered.
   */
  booted(cpId: string, status: string): void {
    this.registration.set(cpId, status);
    if (status === 'Accepted') this.allowed.delete(cpId);
  }

  /**
   * The CSMS sent a (Extended)TriggerMessage: the message it asks for may come while Pending.
   * @param cpId Charge point id.
   * @param trigger `TriggerMessage` or `ExtendedTriggerMessage`.
   * @param requestedMessage The requested message.
   */
  triggered(cpId: string, trigger: string, requestedMessage: string): void {
    const action = triggeredAction(trigger, requestedMessage);
    if (!action) return;
    let set = this.allowed.get(cpId);
    if (!set) this.allowed.set(cpId, (set = new Set()));
    set.add(action);
  }

  /**
   * Check an inbound CALL against the rules; a {@link Refusal} when it must be refused.
   * @param cpId Charge point id.
   * @param action The CALL's action.
   */
  check(cpId: string, action: string): Refusal | undefined {
    if (action === 'BootNotification' || this.needsBoot(cpId, action)) return undefined;
    const status = this.registration.get(cpId);
    if (this.requireAccepted && status !== 'Accepted') {
      const pending = this.allowed.get(cpId);
      if (status === 'Pending' && pending?.delete(action)) return undefined;
      const why = status === undefined ? 'no BootNotification was accepted yet' : `its BootNotification was answered ${status}`;
      return { code: 'SecurityError', description: `${action} refused: ${why} (OCPP 1.6 §4.2.1)` };
    }
    if (this.bootBeforeStatus && action === 'StatusNotification' && status === undefined) {
      return { code: 'GenericError', description: 'StatusNotification before any BootNotification: boot first (OCPP 1.6 §4.2)' };
    }
    return undefined;
  }

  /**
   * True for a transaction message from a charge point with no boot on record here: answer it
   * (nothing may be lost) and ask the charge point to boot. Only while `requireAccepted` is on
   * (lenient testing leaves the charge point alone).
   * @param cpId Charge point id.
   * @param action The CALL's action.
   */
  needsBoot(cpId: string, action: string): boolean {
    return this.requireAccepted && this.transactionActions.has(action) && !this.registration.has(cpId);
  }

  /** Forget every charge point. */
  clear(): void {
    this.registration.clear();
    this.allowed.clear();
  }
}
