/**
 * Typed errors of the protocol core. Every failed call rejects with an {@link OcppError}
 * (never a bare string), so scripts can branch on `err.code`.
 * @module
 */

/** Details object carried by OCPP CALLERROR frames (always an object on the wire). */
export type ErrorDetails = Record<string, unknown>;

/**
 * Base class of all errors raised by ocpp-sim's protocol core.
 *
 * `code` is an OCPP error code (`NotImplemented`, `FormationViolation`, ...) when the error
 * comes from the protocol, or one of ocpp-sim's own codes (`Timeout`, `NotConnected`,
 * `ConnectionClosed`) when it does not.
 * @category Errors
 */
export class OcppError extends Error {
  /** OCPP error code, or `Timeout` / `NotConnected` / `ConnectionClosed`. */
  readonly code: string;
  /** Human-readable description (the CALLERROR `errorDescription`). */
  readonly description: string;
  /** Structured details (the CALLERROR `errorDetails`). */
  readonly details: ErrorDetails;

  /**
   * Create an error.
   * @param code OCPP error code or ocpp-sim error code.
   * @param description Human-readable description.
   * @param details Structured details.
 * @category Errors
   */
  constructor(code: string, description = '', details: ErrorDetails = {}) {
    super(description ? `${code}: ${description}` : code);
    this.name = new.target.name;
    this.code = code;
    this.description = description;
    this.details = details;
  }
}

/** The peer answered our CALL with a CALLERROR. */
export class OcppCallError extends OcppError {
  /**
   * Wrap a CALLERROR received for one of our calls.
   * @param action Action of the CALL that was refused.
   * @param uniqueId Message id of that CALL.
 * @category Errors
   */
  constructor(
    readonly action: string,
    readonly uniqueId: string,
    code: string,
    description: string,
    details: ErrorDetails,
  ) {
    super(code, description, details);
    this.message = `${action} refused by peer with CALLERROR ${code}${description ? `: ${description}` : ''}`;
  }
}

/** No CALLRESULT or CALLERROR arrived within the call's timeout. */
export class OcppTimeoutError extends OcppError {
  /**
   * Report a call that got no answer in time.
   * @param action Action of the CALL that timed out.
   * @param uniqueId Message id of that CALL.
   * @param timeoutMs The timeout that expired.
   */
  constructor(
    readonly action: string,
    readonly uniqueId: string,
    readonly timeoutMs: number,
  ) {
    super('Timeout', `no answer to ${action} (${uniqueId}) within ${timeoutMs} ms`, { timeoutMs });
  }
}

/**
 * A payload failed JSON-schema validation: either our own outbound payload was refused locally
 * (strict mode), or the peer's response was invalid. `code` is the protocol's error code for the
 * first violation; `details.errors` lists all of them.
 * @category Errors
 */
export class OcppValidationError extends OcppError {
  /**
   * Report a payload that does not match its schema.
   * @param code Protocol error code of the first violation.
   * @param description One readable line naming the action and the field.
   * @param details `errors` (the schema violations) and, for responses, `payload`.
 * @category Errors
   */
  constructor(code: string, description: string, details: ErrorDetails = {}) {
    super(code, description, details);
  }
}

/** The call could not be sent or completed because the connection is not (or no longer) open. */
export class OcppConnectionError extends OcppError {
  /**
   * Report a connection problem.
   * @param code `NotConnected`, `ConnectionClosed`, `InvalidUrl`, `HTTP401`, `ECONNREFUSED`, ...
   * @param description One readable line.
   * @param details For example `{url}`.
   */
  constructor(code: string, description: string, details: ErrorDetails = {}) {
    super(code, description, details);
  }
}
