/**
 * What the protocol core needs to know about one OCPP version. The core (frames, endpoint,
 * validator) is written against this interface only, so OCPP 2.0.1 is one more table, not a fork.
 * @module
 */

/** The two roles of an OCPP connection. */
export type Role = 'ChargePoint' | 'CSMS';

/** Which half of an exchange a schema describes. */
export type MessageKind = 'request' | 'response';

/** One action of a protocol version: who may send the request, and its feature profile. */
export interface ActionSpec {
  /** The role that sends the request (`Both` for DataTransfer). */
  initiator: Role | 'Both';
  /** Feature profile or functional block the action belongs to. */
  profile: string;
}

/**
 * The version's spelling of the generic RPC error codes (1.6 spells `FormationViolation` and
 * `OccurenceConstraintViolation`; 2.0.1 corrects both).
 */
export interface ErrorCodes {
  /** Payload syntactically wrong or not the PDU's structure. */
  formation: string;
  /** A required field missing, or too many / too few items. */
  occurrence: string;
  /** A well-formed field with a value the schema does not allow. */
  property: string;
  /** A field of the wrong JSON type. */
  type: string;
  /** Action unknown to the receiver. */
  notImplemented: string;
  /** Action known, but not supported. */
  notSupported: string;
  /** The receiver failed while handling the call. */
  internal: string;
  /** Not a valid RPC frame. */
  framework: string;
  /** Any other error, e.g. a CALL reusing the id of one still being handled. */
  generic: string;
}

/** A protocol version as the core sees it. */
export interface ProtocolVersion {
  /** WebSocket subprotocol name, e.g. `ocpp1.6`. */
  readonly subprotocol: string;
  /** Every action of the version, by name. */
  readonly actions: Readonly<Record<string, ActionSpec>>;
  /** Error code spellings. */
  readonly errors: ErrorCodes;
  /**
   * Other spellings of error codes peers send, mapped to this version's (2.0.1 peers such as
   * ocpp-rpc send the 1.6 `OccurenceConstraintViolation`). Inbound CALLERRORs are read through it.
   */
  readonly errorAliases?: ReadonlyMap<string, string>;
  /**
   * What to do with an unknown message type number: 1.6 ignores it (OCPP-J 1.6 §4.1.3);
   * 2.0.1 may answer `MessageTypeNotSupported`.
   */
  readonly unknownMessageType: 'ignore' | { reply: string };
  /**
   * The charge point's transaction messages: the CALLs it must deliver even across connection
   * losses and restarts, queued and resent until answered (1.6: StartTransaction,
   * StopTransaction and MeterValues, OCPP-J 1.6 §4.7; 2.0.1: TransactionEvent).
   */
  readonly transactionActions: ReadonlySet<string>;
  /** The CSMS's CALL that asks a charge point to send a BootNotification now (1.6 §5.17 TriggerMessage). */
  readonly bootRequest: { readonly action: string; readonly payload: Readonly<Record<string, unknown>> };
  /** The JSON schema of one message (errata applied), or undefined for an unknown action. */
  schema(action: string, kind: MessageKind): object | undefined;
  /**
   * Validators compiled from those schemas at build time, by `Action/request|response`
   * (undefined when not built: the validator then compiles with ajv on first use).
   */
  precompiledValidators?(): Record<string, (data: unknown) => boolean> | undefined;
  /**
   * Rewrite an outbound payload into the spelling the wire expects (for example 1.6 sends
   * `Celcius` even when a script writes `Celsius`). Returns the payload it was given when
   * nothing changed.
   */
  normalizeOutbound?(action: string, kind: MessageKind, payload: Record<string, unknown>): Record<string, unknown>;
  /**
   * Rewrite an inbound CALL payload of an older spelling into the one the schema describes,
   * before it is validated (for example a 1.6 CertificateSigned with the edition-1 `cert` array).
   * Returns the payload it was given when nothing changed; `warn` says what was rewritten.
   */
  normalizeInbound?(action: string, kind: MessageKind, payload: Record<string, unknown>, warn: (line: string) => void): Record<string, unknown>;
}

/**
 * The entry of `action` in a table keyed by action names. Own names only: a name a plain object
 * inherits (`constructor`, `toString`, `__proto__`) is no action (it gets NotImplemented).
 * @param table Action table, default answers, behaviours.
 * @param action The action name from the wire.
 */
export function actionEntry<T>(table: Readonly<Record<string, T>>, action: string): T | undefined {
  return Object.hasOwn(table, action) ? table[action] : undefined;
}

/** True when `role` may send the request of `action`. */
export function maySend(protocol: ProtocolVersion, action: string, role: Role): boolean {
  const spec = actionEntry(protocol.actions, action);
  return spec !== undefined && (spec.initiator === role || spec.initiator === 'Both');
}

/**
 * The build's precompiled validators of a version (server/dist/generated/, written by
 * server/scripts/gen-validators.mjs: `ocpp1.6` → `ocpp16-validators.js`), or undefined when the
 * build step did not run. Read when the version's first connection opens.
 * @param subprotocol The version's subprotocol.
 */
export function precompiledValidators(subprotocol: string): Record<string, (data: unknown) => boolean> | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(`../../generated/${subprotocol.replaceAll('.', '')}-validators.js`) as Record<string, (data: unknown) => boolean>;
  } catch {
    return undefined;
  }
}
