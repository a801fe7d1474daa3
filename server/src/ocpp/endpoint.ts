/**
 * The RPC endpoint: one per OCPP connection, the same for both roles. It turns text frames into
 * calls, results and errors, keeps one outbound CALL in flight at a time (OCPP-J 1.6 §4.1.1,
 * 2.0.1 Part 4 §4.1.1: calls from the two sides may cross), times calls out, validates both
 * directions against the protocol's schemas and answers every inbound CALL, if only with a
 * CALLERROR. It knows nothing about charge points.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { OcppCallError, OcppConnectionError, OcppError, OcppTimeoutError, OcppValidationError } from './errors';
import {
  type CallErrorFrame,
  type Frame,
  type FrameDefect,
  MessageType,
  type Payload,
  isObject,
  parseFrame,
  serializeCall,
  serializeError,
  serializeResult,
} from './frames';
import { type ProtocolVersion, type Role, actionEntry, maySend } from './protocol';
import { type Scheduler, type TimerHandle, realScheduler } from './scheduler';
import { SchemaValidator, type ValidationMode, type Violation } from './validator';

/** Anything that carries text frames to the peer (a WebSocket, a test double, a bridge). */
export interface FrameSink {
  /** Send one text frame. */
  send(text: string): void;
}

/** An inbound CALL as handlers see it (the shape scripts of the earlier tool know). */
export interface InboundCall<P = Payload> {
  /** Always 2. */
  messageTypeId: 2;
  /** The CALL's message id; answer with it. */
  uniqueId: string;
  /** The action name. */
  action: string;
  /** The request payload. */
  payload: P;
}

/**
 * Handles one inbound action. Return the response payload, or answer yourself with
 * {@link RpcEndpoint.sendResult} / {@link RpcEndpoint.sendError} and return nothing.
 */
export type CallHandler = (call: InboundCall) => unknown;

/** Options of one outbound call. */
export interface CallOptions {
  /** Timeout for this call in ms (default: the endpoint's `responseTimeoutMs`). */
  timeoutMs?: number;
  /**
   * Validation of this request, overriding the endpoint's outbound mode. `off` is the deliberate
   * way to put a schema-invalid CALL on the wire (for testing a CSMS).
   */
  validation?: ValidationMode;
}

/** Options of an endpoint. */
export interface EndpointOptions {
  /** Protocol version of the connection. */
  protocol: ProtocolVersion;
  /** Our role on the connection. */
  role: Role;
  /** Validation per direction (default strict both ways). */
  validation?: { inbound?: ValidationMode; outbound?: ValidationMode };
  /** Default call timeout in ms (default 15000). */
  responseTimeoutMs?: number;
  /** CALLERROR code for a known action without a handler (default `NotSupported`). */
  unhandledCallError?: 'NotSupported' | 'NotImplemented';
  /** Frames longer than this many characters are refused (default 1,000,000). */
  maxFrameChars?: number;
  /**
   * An unknown message type number: `ignore` it (OCPP-J 1.6 §4.1.3, 2.0.1 Part 4 §4.1.3) or
   * `reply` with a CALLERROR (2.0.1 Part 4 §4.4: `MessageTypeNotSupported`; 1.6 has no such
   * code, so its framework code is used). Default: the protocol's choice.
   */
  unknownMessageType?: 'ignore' | 'reply';
  /** Clock and timers (default: the process-wide real scheduler). */
  scheduler?: Scheduler;
}

/** Direction of a frame relative to this endpoint. */
export type FrameDirection = 'in' | 'out';

/** Emitted for every frame sent or received. */
export interface FrameEvent {
  /** `in` from the peer, `out` to the peer. */
  direction: FrameDirection;
  /** The wire text. */
  text: string;
  /** The parsed frame (absent for unreadable input). */
  frame?: Frame;
  /** The action: the CALL's own, or that of the CALL a result or error answers. */
  action?: string;
  /** True for frames sent with {@link RpcEndpoint.sendRaw}. */
  raw?: boolean;
}

/** A schema violation in a frame from the peer (event `invalid`). */
export interface InboundViolation {
  /** The action of the CALL, or of the CALL the result answers. */
  action: string;
  /** `request` for a CALL from the peer, `response` for a CALLRESULT to our CALL. */
  kind: 'request' | 'response';
  /** The frame's message id. */
  uniqueId: string;
  /** What is wrong. */
  violation: Violation;
}

interface PendingCall {
  id: string;
  action: string;
  payload: Payload;
  timeoutMs: number;
  resolve: (payload: Payload) => void;
  reject: (err: OcppError) => void;
  timer?: TimerHandle;
  sentAt: number;
}

// Ids: a random per-process prefix and a counter: unique across reconnects and restarts, short
// on the wire, and no crypto call per message.
const ID_PREFIX = randomBytes(6).toString('base64url');
let idCounter = 0;
/** A fresh message id (at most 36 characters). */
export function nextMessageId(): string {
  return `${ID_PREFIX}${(idCounter++).toString(36)}`;
}

/** Reads the id of an oversized CALL without parsing the whole frame. */
const CALL_ID_PREFIX = /^\s*\[\s*2\s*,\s*"([^"\\]{1,36})"/;

/**
 * One side of an OCPP-J connection.
 *
 * Events: `frame` ({@link FrameEvent}), `warning` (one readable line), `handlerError`
 * (error, call), `response` (action, round-trip ms, `result`|`error`) after every completed
 * outbound call, `timeout` (action), `inbound` (action) for every CALL received, `answered`
 * (action, `result`|`error`) for every CALL of the peer we answered, `invalid` ({@link InboundViolation}) for every schema violation the peer sent (in `strict`
 * and `warn` mode; a conformance report wants them even when they were refused).
 */
export class RpcEndpoint extends EventEmitter {
  /** The protocol version spoken. */
  readonly protocol: ProtocolVersion;
  /** Our role. */
  readonly role: Role;
  /** Validation mode per direction. */
  readonly validation: { inbound: ValidationMode; outbound: ValidationMode };
  /** Default call timeout in ms. */
  responseTimeoutMs: number;
  /**
   * While true, inbound CALLs get no answer at all (a charge point whose BootNotification was
   * Rejected must not respond until the interval has passed, OCPP 1.6 §4.2.1).
   */
  muted = false;
  /**
   * While set, every inbound CALL is answered with a CALLERROR of this code instead of being
   * served (a 2.0.1 station whose BootNotification was Rejected answers `SecurityError`, B03.FR.08).
   */
  refusal: string | undefined;
  /**
   * Handler of actions nobody registered one for (the charge point's built-in answers): one
   * function per endpoint instead of a map entry and closure per action and connection.
   */
  fallback: ((action: string) => CallHandler | undefined) | undefined;
  private readonly validator: SchemaValidator;
  private readonly scheduler: Scheduler;
  private readonly unhandledCallError: string;
  private readonly maxFrameChars: number;
  /** CALLERROR code for an unknown message type; undefined: ignore it. */
  private readonly unknownTypeReply: string | undefined;
  private handlersMade: Map<string, CallHandler> | undefined;
  /** Made on first use. */
  private get handlers(): Map<string, CallHandler> {
    return (this.handlersMade ??= new Map());
  }
  private readonly queue: PendingCall[] = [];
  private inFlight: PendingCall | undefined;
  private unansweredMade: Map<string, string> | undefined;
  /** Inbound CALLs not yet answered: id → action. Made on first use. */
  private get unanswered(): Map<string, string> {
    return (this.unansweredMade ??= new Map());
  }
  private sink: FrameSink | undefined;

  /**
   * Create an endpoint; {@link RpcEndpoint.attach} a transport to start talking.
   * @param options See {@link EndpointOptions}.
   */
  constructor(options: EndpointOptions) {
    super();
    this.protocol = options.protocol;
    this.role = options.role;
    this.validation = { inbound: options.validation?.inbound ?? 'strict', outbound: options.validation?.outbound ?? 'strict' };
    this.responseTimeoutMs = options.responseTimeoutMs ?? 15_000;
    this.unhandledCallError = options.unhandledCallError ?? options.protocol.errors.notSupported;
    this.maxFrameChars = options.maxFrameChars ?? 1_000_000;
    const policy = options.protocol.unknownMessageType;
    const wanted = options.unknownMessageType ?? (policy === 'ignore' ? 'ignore' : 'reply');
    this.unknownTypeReply = wanted === 'ignore' ? undefined : policy === 'ignore' ? options.protocol.errors.framework : policy.reply;
    this.scheduler = options.scheduler ?? realScheduler;
    this.validator = SchemaValidator.for(options.protocol);
  }

  /** True while a transport is attached. */
  get connected(): boolean {
    return this.sink !== undefined;
  }

  /** True when no outbound call is in flight or waiting. */
  get idle(): boolean {
    return this.inFlight === undefined && this.queue.length === 0;
  }

  /** Number of outbound calls waiting behind the one in flight. */
  get queued(): number {
    return this.queue.length;
  }

  /** Start sending through `sink` (a newly opened connection). */
  attach(sink: FrameSink): void {
    this.sink = sink;
    this.pump();
  }

  /**
   * The connection is gone: every pending outbound call rejects with `ConnectionClosed`, and
   * inbound calls can no longer be answered.
   */
  detach(reason = 'connection closed'): void {
    this.sink = undefined;
    this.unanswered.clear();
    const pending = this.inFlight ? [this.inFlight, ...this.queue] : [...this.queue];
    this.inFlight = undefined;
    this.queue.length = 0;
    for (const call of pending) {
      this.scheduler.cancel(call.timer);
      call.reject(new OcppConnectionError('ConnectionClosed', `${call.action} not answered: ${reason}`));
    }
  }

  /** Register (or, with `undefined`, remove) the handler of an inbound action. */
  handle(action: string, handler: CallHandler | undefined): void {
    if (handler) this.handlers.set(action, handler);
    else this.handlers.delete(action);
  }

  /** The handler of an action: the registered one, else the {@link RpcEndpoint.fallback}'s, if any. */
  handlerOf(action: string): CallHandler | undefined {
    return this.handlers.get(action) ?? this.fallback?.(action);
  }

  /**
   * Send a CALL and resolve with the peer's response payload. Calls are sent one at a time in
   * the order they were made. Rejects with {@link OcppCallError} on a CALLERROR,
   * {@link OcppTimeoutError} on timeout, {@link OcppValidationError} when the payload (strict
   * mode) or the response is invalid, {@link OcppConnectionError} when not connected.
   */
  call(action: string, payload: Payload = {}, options: CallOptions = {}): Promise<Payload> {
    if (!this.sink) {
      return Promise.reject(new OcppConnectionError('NotConnected', `cannot send ${action}: not connected`));
    }
    if (!isObject(payload)) {
      return Promise.reject(new OcppValidationError(this.protocol.errors.formation, `${action} request: payload must be a JSON object`));
    }
    const checked = this.prepareOutbound(action, 'request', payload, options.validation ?? this.validation.outbound);
    if (checked instanceof OcppValidationError) return Promise.reject(checked);
    return new Promise<Payload>((resolve, reject) => {
      this.queue.push({
        id: '',
        action,
        payload: checked,
        timeoutMs: options.timeoutMs ?? this.responseTimeoutMs,
        resolve,
        reject,
        sentAt: 0,
      });
      this.pump();
    });
  }

  /** Answer an inbound CALL with a CALLRESULT (validated against the action's response schema). */
  sendResult(uniqueId: string, payload: Payload): void {
    const action = this.unanswered.get(uniqueId);
    if (action === undefined) {
      throw new OcppError('UnknownUniqueId', `no unanswered CALL with id ${uniqueId}`);
    }
    const checked = this.prepareOutbound(action, 'response', isObject(payload) ? payload : {}, this.validation.outbound);
    if (checked instanceof OcppValidationError) throw checked;
    this.unanswered.delete(uniqueId);
    this.write(serializeResult(uniqueId, checked), { type: MessageType.CALLRESULT, id: uniqueId, payload: checked }, action);
    if (this.listenerCount('answered') > 0) this.emit('answered', action, 'result');
  }

  /** Answer an inbound CALL with a CALLERROR. */
  sendError(uniqueId: string, code: string, description = '', details: Payload = {}): void {
    const action = this.unanswered.get(uniqueId);
    this.unanswered.delete(uniqueId);
    this.writeError(uniqueId, code, description, details, action);
  }

  /** True while the inbound CALL `uniqueId` still awaits its answer. */
  isUnanswered(uniqueId: string): boolean {
    return this.unanswered.has(uniqueId);
  }

  /** Number of inbound CALLs still awaiting our answer (a peer sending a CALL while this is above 0 pipelines). */
  get unansweredInbound(): number {
    return this.unanswered.size;
  }

  /**
   * Forget an inbound CALL without ever answering it: the deliberate way to play a peer whose
   * answer never comes (the peer must time out), without it counting as unanswered.
   */
  abandon(uniqueId: string): void {
    this.unanswered.delete(uniqueId);
  }

  /**
   * Put any text on the wire as it is: no validation, no queue, no id bookkeeping. This is the
   * deliberate way to send malformed or out-of-order frames to test a peer.
   */
  sendRaw(text: string): void {
    if (!this.sink) throw new OcppConnectionError('NotConnected', 'cannot send raw frame: not connected');
    this.sink.send(text);
    if (this.listenerCount('frame') > 0) {
      const parsed = parseFrame(text);
      this.emit('frame', { direction: 'out', text, frame: parsed.frame, raw: true } satisfies FrameEvent);
    }
  }

  /** Feed one text frame received from the peer. Never throws. */
  receive(text: string): void {
    if (text.length > this.maxFrameChars) return this.refuseOversized(text);
    const parsed = parseFrame(text);
    if (parsed.defect) return this.refuseDefect(text, parsed.defect);
    const frame = parsed.frame.type === MessageType.CALLERROR ? this.canonicalCode(parsed.frame) : parsed.frame;
    const action = frame.type === MessageType.CALL ? frame.action : this.inFlight?.id === frame.id ? this.inFlight.action : undefined;
    if (this.listenerCount('frame') > 0) this.emit('frame', { direction: 'in', text, frame, action } satisfies FrameEvent);
    if (frame.type !== MessageType.CALL) this.settle(frame);
    else if (this.muted) this.warn(`ignored ${frame.action} ${frame.id}: not accepted by the peer yet`);
    else if (this.refusal) this.writeError(frame.id, this.refusal, 'not accepted by the peer yet', {}, frame.action);
    else void this.dispatch(frame.id, frame.action, frame.payload);
  }

  /** A CALLERROR with its code in this version's spelling (the wire text keeps the peer's). */
  private canonicalCode(frame: CallErrorFrame): CallErrorFrame {
    const code = this.protocol.errorAliases?.get(frame.code);
    return code === undefined ? frame : { ...frame, code };
  }

  // ---- outbound ----

  /** Normalise, repair and validate an outbound payload; an error in strict mode. */
  private prepareOutbound(action: string, kind: 'request' | 'response', payload: Payload, mode: ValidationMode): Payload | OcppValidationError {
    if (mode === 'off') return payload;
    const normalized = this.protocol.normalizeOutbound?.(action, kind, payload) ?? payload;
    const { payload: repaired, repaired: fields, dropped, violation } = this.validator.repair(action, kind, normalized);
    if (fields.length > 0) this.warn(`${action} ${kind}: coerced ${fields.join(', ')} to the schema's type`);
    if (dropped.length > 0) this.warn(`${action} ${kind}: dropped ${dropped.join(', ')} (not allowed by the ${this.protocol.subprotocol} schema)`);
    if (!violation) return repaired;
    if (mode === 'warn') {
      this.warn(`sending invalid ${violation.message}`);
      return repaired;
    }
    return new OcppValidationError(violation.code, `refused to send invalid ${violation.message}`, { errors: violation.errors });
  }

  private pump(): void {
    if (this.inFlight || !this.sink) return;
    const call = this.queue.shift();
    if (!call) return;
    call.id = nextMessageId();
    this.inFlight = call;
    call.sentAt = this.scheduler.now();
    call.timer = this.scheduler.after(call.timeoutMs, () => this.expire(call));
    this.write(serializeCall(call.id, call.action, call.payload), { type: MessageType.CALL, id: call.id, action: call.action, payload: call.payload }, call.action);
  }

  private expire(call: PendingCall): void {
    if (this.inFlight !== call) return;
    this.inFlight = undefined;
    if (this.listenerCount('timeout') > 0) this.emit('timeout', call.action);
    call.reject(new OcppTimeoutError(call.action, call.id, call.timeoutMs));
    this.pump();
  }

  private settle(frame: Exclude<Frame, { type: 2 }>): void {
    const call = this.inFlight;
    if (!call || call.id !== frame.id) {
      // A late answer to a timed-out call, or a peer's bug: nothing waits for it.
      this.warn(`ignored ${frame.type === MessageType.CALLRESULT ? 'CALLRESULT' : 'CALLERROR'} with unknown id ${frame.id}`);
      return;
    }
    this.inFlight = undefined;
    this.scheduler.cancel(call.timer);
    // The outcome rides along for --metrics-port; listeners that only want the round trip ignore it.
    this.emit('response', call.action, this.scheduler.now() - call.sentAt, frame.type === MessageType.CALLERROR ? 'error' : 'result');
    if (frame.type === MessageType.CALLERROR) {
      call.reject(new OcppCallError(call.action, call.id, frame.code, frame.description, frame.details));
    } else {
      const violation = this.inboundViolation(call.action, 'response', frame.payload, frame.id);
      if (violation && this.validation.inbound === 'strict') {
        call.reject(new OcppValidationError(violation.code, `peer sent invalid ${violation.message}`, { errors: violation.errors, payload: frame.payload }));
      } else call.resolve(frame.payload);
    }
    this.pump();
  }

  // ---- inbound ----

  private async dispatch(id: string, action: string, payload: Payload): Promise<void> {
    const errors = this.protocol.errors;
    if (this.listenerCount('inbound') > 0) this.emit('inbound', action);
    // A CALL's message id is unique per sender and connection (OCPP-J 1.6 and 2.0.1 Part 4, "The message ID"):
    // a second CALL with the id of one still being handled is refused; the first keeps its one answer.
    if (this.unanswered.has(id)) {
      this.warn(`refused ${action} ${id}: a CALL with this id is still being handled`);
      return this.writeError(id, errors.generic, `duplicate message id ${id}: a CALL with this id is still being handled`, {}, action);
    }
    if (actionEntry(this.protocol.actions, action) === undefined) return this.writeError(id, errors.notImplemented, `unknown action ${action}`, {}, action);
    const handler = this.handlerOf(action);
    if (!handler || !maySend(this.protocol, action, this.role === 'CSMS' ? 'ChargePoint' : 'CSMS')) {
      return this.writeError(id, this.unhandledCallError, `${action} is not supported here`, {}, action);
    }
    if (this.validation.inbound !== 'off') payload = this.protocol.normalizeInbound?.(action, 'request', payload, (line) => this.warn(line)) ?? payload;
    const violation = this.inboundViolation(action, 'request', payload, id);
    if (violation && this.validation.inbound === 'strict') return this.writeError(id, violation.code, violation.message, {}, action);
    this.unanswered.set(id, action);
    try {
      const result = await handler({ messageTypeId: MessageType.CALL, uniqueId: id, action, payload });
      if (isObject(result) && this.unanswered.has(id)) this.sendResult(id, result);
    } catch (err) {
      this.emit('handlerError', err, { messageTypeId: MessageType.CALL, uniqueId: id, action, payload });
      if (this.unanswered.has(id)) {
        const code = err instanceof OcppError && !(err instanceof OcppValidationError) ? err.code : errors.internal;
        this.sendError(id, code, err instanceof OcppError ? err.description : String((err as Error)?.message ?? err));
      }
    }
  }

  private inboundViolation(action: string, kind: 'request' | 'response', payload: Payload, uniqueId: string): Violation | undefined {
    if (this.validation.inbound === 'off') return undefined;
    const violation = this.validator.check(action, kind, payload);
    if (violation && this.listenerCount('invalid') > 0) this.emit('invalid', { action, kind, uniqueId, violation } satisfies InboundViolation);
    if (violation && this.validation.inbound === 'warn') this.warn(`received invalid ${violation.message}`);
    return violation;
  }

  private refuseOversized(text: string): void {
    const reason = `frame of ${text.length} characters exceeds the limit of ${this.maxFrameChars}`;
    if (this.listenerCount('frame') > 0) this.emit('frame', { direction: 'in', text: `${text.slice(0, 200)}…` } satisfies FrameEvent);
    const id = CALL_ID_PREFIX.exec(text)?.[1];
    if (id) this.writeError(id, this.protocol.errors.formation, reason);
    else this.warn(`dropped ${reason}`);
  }

  private refuseDefect(text: string, defect: FrameDefect): void {
    if (this.listenerCount('frame') > 0) this.emit('frame', { direction: 'in', text } satisfies FrameEvent);
    const errors = this.protocol.errors;
    if (defect.defect === 'unknownType') {
      if (this.unknownTypeReply === undefined) return this.warn(`ignored frame: ${defect.reason}`);
      return this.writeError(defect.id ?? '-1', this.unknownTypeReply, defect.reason);
    }
    // Never answer a CALLRESULT or CALLERROR; answer a CALL whose id we could read.
    if (defect.type === MessageType.CALL && defect.id !== undefined) return this.writeError(defect.id, errors.formation, defect.reason);
    if (errors.framework !== errors.formation && defect.type !== MessageType.CALLRESULT && defect.type !== MessageType.CALLERROR) {
      return this.writeError(defect.id ?? '-1', errors.framework, defect.reason);
    }
    this.warn(`ignored frame: ${defect.reason}`);
  }

  // ---- wire ----

  private writeError(id: string, code: string, description: string, details: Payload = {}, action?: string): void {
    const desc = description.slice(0, 255);
    this.write(serializeError(id, code, desc, details), { type: MessageType.CALLERROR, id, code, description: desc, details }, action);
    // --metrics-port counts answers by action; a CALL whose action we could not read has none.
    if (action !== undefined && this.listenerCount('answered') > 0) this.emit('answered', action, 'error');
  }

  private write(text: string, frame: Frame, action?: string): void {
    if (!this.sink) return this.warn(`could not send ${action ?? 'frame'} ${frame.id}: not connected`);
    this.sink.send(text);
    if (this.listenerCount('frame') > 0) this.emit('frame', { direction: 'out', text, frame, action } satisfies FrameEvent);
  }

  /**
   * Report one readable line about this connection as a `warning` event (the endpoint's own, and
   * the transport's: a peer that broke the WebSocket protocol or stopped reading).
   * @param message The line.
   */
  warn(message: string): void {
    if (this.listenerCount('warning') > 0) this.emit('warning', message);
  }
}
