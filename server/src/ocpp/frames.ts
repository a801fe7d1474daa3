/**
 * OCPP-J RPC frames: `[2, id, action, payload]`, `[3, id, payload]`,
 * `[4, id, errorCode, errorDescription, errorDetails]` (OCPP-J 1.6 §4, 2.0.1 Part 4 §4).
 * Parsing never throws: every defect becomes a {@link FrameDefect} the endpoint can answer.
 * @module
 */

/** A JSON object payload. OCPP payloads are always objects, never null. */
export type Payload = Record<string, unknown>;

/** Message type numbers. */
export const MessageType = { CALL: 2, CALLRESULT: 3, CALLERROR: 4 } as const;

/** Longest message id the protocol allows. */
export const MAX_ID_LENGTH = 36;

/** An RPC request. */
export interface CallFrame {
  /** Message type 2. */
  type: 2;
  /** Message id, echoed by the answer. */
  id: string;
  /** Action name. */
  action: string;
  /** Request payload. */
  payload: Payload;
}
/** A successful answer. */
export interface CallResultFrame {
  /** Message type 3. */
  type: 3;
  /** Id of the CALL answered. */
  id: string;
  /** Response payload. */
  payload: Payload;
}
/** A failed answer. */
export interface CallErrorFrame {
  /** Message type 4. */
  type: 4;
  /** Id of the CALL answered. */
  id: string;
  /** OCPP error code. */
  code: string;
  /** Error description. */
  description: string;
  /** Error details. */
  details: Payload;
}
/** Any well-formed frame. */
export type Frame = CallFrame | CallResultFrame | CallErrorFrame;

/**
 * Why a text could not be read as a frame. `id` is set when the message id was readable, so a
 * CALL can still be answered with a CALLERROR; `type` when the type number was readable.
 */
export interface FrameDefect {
  /** Unreadable JSON, a wrong frame shape, or an unknown message type number. */
  defect: 'json' | 'shape' | 'unknownType';
  /** What is wrong, in words. */
  reason: string;
  /** The message type number, when readable. */
  type?: number;
  /** The message id, when readable. */
  id?: string;
}

/** Result of {@link parseFrame}. */
export type ParsedFrame = { frame: Frame; defect?: undefined } | { frame?: undefined; defect: FrameDefect };

/** True for a non-null, non-array object. */
export function isObject(value: unknown): value is Payload {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function shape(reason: string, type?: number, id?: string): ParsedFrame {
  return { defect: { defect: 'shape', reason, type, id } };
}

/** Parse one WebSocket text message into a frame, or describe what is wrong with it. */
export function parseFrame(text: string): ParsedFrame {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch (err) {
    return { defect: { defect: 'json', reason: `invalid JSON (${(err as Error).message})` } };
  }
  if (!Array.isArray(msg)) return shape('frame is not a JSON array');
  const [type, id] = msg as unknown[];
  if (typeof type !== 'number') return shape('message type is not a number');
  const readableId = typeof id === 'string' && id.length > 0 ? id : undefined;
  if (type !== 2 && type !== 3 && type !== 4) {
    return { defect: { defect: 'unknownType', reason: `unknown message type ${type}`, type, id: readableId } };
  }
  if (readableId === undefined) return shape('message id is not a non-empty string', type);
  if (readableId.length > MAX_ID_LENGTH) {
    return shape(`message id is longer than ${MAX_ID_LENGTH} characters`, type, readableId);
  }
  switch (type) {
    case MessageType.CALL: {
      const [, , action, payload] = msg as unknown[];
      if (msg.length !== 4) return shape(`CALL has ${msg.length} elements, expected 4`, type, readableId);
      if (typeof action !== 'string' || action === '') return shape('CALL action is not a string', type, readableId);
      if (!isObject(payload)) return shape('CALL payload is not a JSON object', type, readableId);
      return { frame: { type, id: readableId, action, payload } };
    }
    case MessageType.CALLRESULT: {
      const [, , payload] = msg as unknown[];
      if (msg.length !== 3) return shape(`CALLRESULT has ${msg.length} elements, expected 3`, type, readableId);
      if (!isObject(payload)) return shape('CALLRESULT payload is not a JSON object', type, readableId);
      return { frame: { type, id: readableId, payload } };
    }
    default: {
      // Lenient on the optional tail: some peers omit description or details.
      const [, , code, description = '', details = {}] = msg as unknown[];
      if (msg.length < 3 || msg.length > 5) return shape(`CALLERROR has ${msg.length} elements, expected 5`, type, readableId);
      if (typeof code !== 'string' || typeof description !== 'string' || !isObject(details)) {
        return shape('CALLERROR code, description or details has the wrong type', type, readableId);
      }
      return { frame: { type, id: readableId, code, description, details } };
    }
  }
}

/** Serialise a CALL. */
export function serializeCall(id: string, action: string, payload: Payload): string {
  return JSON.stringify([MessageType.CALL, id, action, payload]);
}

/** Serialise a CALLRESULT. */
export function serializeResult(id: string, payload: Payload): string {
  return JSON.stringify([MessageType.CALLRESULT, id, payload]);
}

/** Serialise a CALLERROR; the description is cut to the 255 characters OCPP-J allows. */
export function serializeError(id: string, code: string, description = '', details: Payload = {}): string {
  return JSON.stringify([MessageType.CALLERROR, id, code, description.slice(0, 255), details]);
}

/** Render any frame back to its wire text. */
export function serializeFrame(frame: Frame): string {
  switch (frame.type) {
    case MessageType.CALL:
      return serializeCall(frame.id, frame.action, frame.payload);
    case MessageType.CALLRESULT:
      return serializeResult(frame.id, frame.payload);
    default:
      return serializeError(frame.id, frame.code, frame.description, frame.details);
  }
}
