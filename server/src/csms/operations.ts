/**
 * The operator's requests to one station, in the version it speaks: remote start and stop,
 * reset, trigger, reserve, and any CSMS-initiated action with its default payload. The console,
 * the REST API, the web UI and periodic commands all go through here, so each request has one
 * definition per version (in the dialects) and one set of defaults (a whitelist token, a free
 * connector or EVSE, the open transaction).
 * @module
 */
import type { Payload } from '../ocpp/frames';
import type { CallOptions } from '../ocpp/endpoint';
import type { CommandContext, Request } from './dialect';
import { DIALECTS } from './dialects';
import type { ConnectedStation, MockCsms } from './mock-csms';

/** Why an operation could not be sent; `status` is the HTTP status the REST API answers. */
export class OperationError extends Error {
  /**
   * An operation that cannot be sent.
   * @param status 400 bad argument, 409 nothing to act on, 503 no such station or nothing free.
   * @param message One readable line.
   */
  constructor(
    readonly status: 400 | 409 | 503,
    message: string,
  ) {
    super(message);
  }
}

/** Base URL of the embedded FTP server with its default port and user (`--ftp`). */
export const DEFAULT_FILE_SERVER_URL = 'ftp://ocpp:ocpp@127.0.0.1:2121/';

/** Every CSMS-initiated action of any version the mock CSMS speaks. */
export const ALL_CSMS_ACTIONS: readonly string[] = [...new Set(DIALECTS.flatMap((d) => Object.keys(d.commands)))].sort();

/**
 * The canonical spelling of a CSMS-initiated action of any version (case-insensitive), or undefined.
 * @param name What the user typed.
 */
export function csmsAction(name: string): string | undefined {
  return ALL_CSMS_ACTIONS.find((a) => a.toLowerCase() === name.toLowerCase());
}

/** A request sent and its answer. */
export interface Sent extends Request {
  /** The station. */
  cpId: string;
  /** The station's answer. */
  response: Payload;
}

/** The operator's requests over a {@link MockCsms}. */
export class Operator {
  /**
   * The operator of one CSMS.
   * @param csms The CSMS.
   * @param options `timeoutMs` of each call (default: the CSMS's); `fileServerUrl` for default payloads.
   */
  constructor(
    private readonly csms: MockCsms,
    private readonly options: { timeoutMs?: number; fileServerUrl?: string } = {},
  ) {}

  /**
   * The connected station, or a 503 naming the connected ones.
   * @param cpId Station id.
   */
  station(cpId: string | undefined): ConnectedStation {
    const station = cpId === undefined ? undefined : this.csms.stations.get(cpId);
    if (!station) throw new OperationError(503, `No such Charge Point. [${cpId ?? ''}]`);
    return station;
  }

  /**
   * The context default payloads of a station are built in.
   * @param cpId Station id.
   */
  context(cpId: string): CommandContext {
    const csms = this.csms;
    return {
      cpId,
      csms,
      nextId: () => csms.nextRequestId(),
      fileServerUrl: this.options.fileServerUrl ?? DEFAULT_FILE_SERVER_URL,
      lastReservationId: csms.lastReservation.get(cpId),
      firstToken: () => [...csms.policy.whitelist][0] ?? 'valid_token',
      tokens: () => [...csms.policy.whitelist],
      freeEvse: () => csms.transactions.availableConnector(cpId),
      openTransaction: () => csms.transactions.open(cpId)[0],
    };
  }

  /**
   * Send a request and resolve with it and the answer.
   * @param cpId Station id.
   * @param request The request.
   * @param options Per-call options.
   */
  async send(cpId: string, request: Request, options: CallOptions = {}): Promise<Sent> {
    const timeout = this.options.timeoutMs === undefined ? {} : { timeoutMs: this.options.timeoutMs };
    const response = await this.csms.call(cpId, request.action, request.payload, { ...timeout, ...options });
    return { cpId, ...request, response };
  }

  /**
   * Start charging: RemoteStartTransaction (1.6) or RequestStartTransaction with a fresh
   * remoteStartId (2.0.1), for a token (default: the first whitelist token) on a connector / EVSE
   * (default: a free one, else the station chooses).
   * @param cpId Station id.
   * @param o Token and connector / EVSE.
   */
  remoteStart(cpId: string, o: { token?: string; unit?: number } = {}): Promise<Sent> {
    const dialect = this.station(cpId).dialect;
    const ctx = this.context(cpId);
    return this.send(cpId, dialect.requests.remoteStart({ token: o.token ?? ctx.firstToken(), unit: o.unit ?? ctx.freeEvse(), id: ctx.nextId() }));
  }

  /**
   * Stop a transaction (default: the station's open one; 409 when there is none).
   * @param cpId Station id.
   * @param transactionId The transaction.
   */
  remoteStop(cpId: string, transactionId?: number | string): Promise<Sent> {
    const dialect = this.station(cpId).dialect;
    const id = transactionId ?? this.csms.transactions.open(cpId)[0]?.transactionId;
    if (id === undefined) throw new OperationError(409, `${cpId} has no open transaction (give the transaction id)`);
    return this.send(cpId, dialect.requests.remoteStop(id));
  }

  /**
   * Reset: `soft` / `OnIdle` or `hard` / `Immediate`, in the station's version.
   * @param cpId Station id.
   * @param kind The kind (case-insensitive).
   */
  reset(cpId: string, kind = 'soft'): Promise<Sent> {
    const dialect = this.station(cpId).dialect;
    if (!/^(soft|hard|onidle|immediate)$/i.test(kind)) throw new OperationError(400, `reset type must be Soft or Hard (1.6), OnIdle or Immediate (2.0.1), got '${kind}'`);
    return this.send(cpId, dialect.requests.reset(kind));
  }

  /**
   * TriggerMessage for a message the station's version can trigger.
   * @param cpId Station id.
   * @param message The message (case-insensitive).
   * @param unit Connector (1.6) or EVSE (2.0.1).
   */
  trigger(cpId: string, message: string, unit?: number): Promise<Sent> {
    const dialect = this.station(cpId).dialect;
    const canonical = dialect.triggerable.find((m) => m.toLowerCase() === message.toLowerCase());
    if (!canonical) throw new OperationError(400, `${dialect.version} cannot trigger '${message}': one of ${dialect.triggerable.join(', ')}`);
    return this.send(cpId, dialect.requests.trigger(canonical, unit));
  }

  /**
   * ReserveNow for a free connector / EVSE (503 when none is free), a token and an expiry (default 15 minutes).
   * @param cpId Station id.
   * @param o Token, connector / EVSE, expiry.
   */
  reserve(cpId: string, o: { token?: string; unit?: number; expiry?: string } = {}): Promise<Sent> {
    const dialect = this.station(cpId).dialect;
    const ctx = this.context(cpId);
    const unit = o.unit ?? ctx.freeEvse();
    if (unit === undefined) throw new OperationError(503, `no available EVSE on ${cpId}: no ${dialect.version === '1.6' ? 'connector' : 'EVSE'} reported Available without a transaction`);
    const expiry = o.expiry ?? new Date(Date.now() + 15 * 60_000).toISOString();
    return this.send(cpId, dialect.requests.reserve({ id: ctx.nextId(), token: o.token ?? ctx.firstToken(), unit, expiry }));
  }

  /**
   * The request a CSMS-initiated action (of any version) makes for a station: the action in the
   * station's version (its twin when the name is the other version's) and the payload given or
   * the default. Undefined payload: nothing to send now (e.g. no open transaction to stop).
   * Throws when the station's version has no such action.
   * @param cpId Station id.
   * @param action The action.
   * @param payload The payload (default: the version's default for this station).
   */
  request(cpId: string, action: string, payload?: Payload): { action: string; payload: Payload | undefined } {
    const dialect = this.station(cpId).dialect;
    const own = dialect.twin(action);
    if (own === undefined) throw new OperationError(400, `${action} has no counterpart in OCPP ${dialect.version} (${cpId} speaks ${dialect.version})`);
    return { action: own, payload: payload ?? dialect.commands[own]!(this.context(cpId)) };
  }
}
