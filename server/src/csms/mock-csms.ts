/**
 * The embedded mock central system: accepts any charge point, answers every
 * charge-point-initiated action with a valid default (overridable per action), and can call
 * connected charge points. Built on the same protocol core as the charge point.
 * @module
 */
import { EventEmitter } from 'node:events';
import type WebSocket from 'ws';
import { RpcEndpoint, type CallHandler, type CallOptions, type FrameEvent } from '../ocpp/endpoint';
import { OcppConnectionError } from '../ocpp/errors';
import type { Payload } from '../ocpp/frames';
import type { ProtocolVersion } from '../ocpp/protocol';
import { ocpp16 } from '../ocpp/v16/protocol';
import type { ValidationMode } from '../ocpp/validator';
import { OcppServer, type Accepted, type Authenticator } from '../transport/server';
import { bindSocket } from '../transport/socket';
import { DEFAULT_ANSWERS, type AnswerContext } from './responses';

/** Options of the mock CSMS. */
export interface MockCsmsOptions {
  /** Port (default 8100; 0 picks a free one). */
  port?: number;
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /** Heartbeat interval handed out at boot, in seconds (default 300). */
  heartbeatInterval?: number;
  /** Schema validation per direction (default strict both ways). */
  validation?: { inbound?: ValidationMode; outbound?: ValidationMode };
  /** Timeout of calls to charge points in ms (default 15000). */
  responseTimeoutMs?: number;
  /** Optional HTTP Basic-auth check. */
  authenticate?: Authenticator;
}

/** A connected charge point as the CSMS sees it. */
export interface ConnectedStation {
  /** Charge point identity. */
  id: string;
  /** The RPC endpoint of its connection. */
  endpoint: RpcEndpoint;
  /** The socket. */
  ws: WebSocket;
  /** When it connected (ms since epoch). */
  connectedAt: number;
}

/**
 * A central system for tests and examples.
 *
 * Events: `connect` (station), `disconnect` (station), `frame` (station, {@link FrameEvent}),
 * `warning` (station, line).
 */
export class MockCsms extends EventEmitter {
  /** Connected charge points by id. */
  readonly stations = new Map<string, ConnectedStation>();
  private readonly server: OcppServer;
  private readonly protocol: ProtocolVersion = ocpp16;
  private readonly overrides = new Map<string, CallHandler>();
  private transactionId = 0;
  private boundPort = 0;
  private readonly context: AnswerContext;

  /**
   * Create a mock CSMS; call {@link MockCsms.listen} to start it.
   * @param options See {@link MockCsmsOptions}.
   */
  constructor(private readonly options: MockCsmsOptions = {}) {
    super();
    this.server = new OcppServer({
      port: options.port ?? 8100,
      host: options.host,
      protocols: [this.protocol.subprotocol],
      authenticate: options.authenticate,
    });
    this.server.on('connection', (accepted: Accepted) => this.accept(accepted));
    this.context = { heartbeatInterval: options.heartbeatInterval ?? 300, nextTransactionId: () => ++this.transactionId };
  }

  /** The bound port (after {@link MockCsms.listen}). */
  get port(): number {
    return this.boundPort;
  }

  /** Base URL charge points connect to: append the charge point id. */
  get url(): string {
    const host = this.options.host ?? '127.0.0.1';
    return `ws://${host.includes(':') ? `[${host}]` : host}:${this.boundPort}/`;
  }

  /** Start listening; resolves with the port. */
  async listen(): Promise<number> {
    this.boundPort = await this.server.listen();
    return this.boundPort;
  }

  /** Disconnect everyone and stop listening. */
  close(): Promise<void> {
    return this.server.close();
  }

  /**
   * Replace the default answer of an action for every charge point (`undefined` restores it).
   * @param action Charge-point-initiated action, e.g. `Authorize`.
   * @param handler Returns the response payload (or answers itself through the station's endpoint).
   */
  answer(action: string, handler: CallHandler | undefined): void {
    if (handler) this.overrides.set(action, handler);
    else this.overrides.delete(action);
    for (const station of this.stations.values()) station.endpoint.handle(action, this.handlerFor(action));
  }

  /**
   * Send a CSMS-initiated call to a connected charge point.
   * @param cpId Charge point id.
   * @param action Action, e.g. `RemoteStartTransaction`.
   * @param payload Request payload.
   * @param opts Per-call options.
   */
  call(cpId: string, action: string, payload: Payload = {}, opts?: CallOptions): Promise<Payload> {
    const station = this.stations.get(cpId);
    if (!station) return Promise.reject(new OcppConnectionError('NotConnected', `charge point ${cpId} is not connected`));
    return station.endpoint.call(action, payload, opts);
  }

  private handlerFor(action: string): CallHandler | undefined {
    const override = this.overrides.get(action);
    if (override) return override;
    const fallback = DEFAULT_ANSWERS[action];
    return fallback && ((req) => fallback(req.payload, this.context));
  }

  private accept({ identity, ws }: Accepted): void {
    const endpoint = new RpcEndpoint({
      protocol: this.protocol,
      role: 'CSMS',
      validation: this.options.validation,
      responseTimeoutMs: this.options.responseTimeoutMs,
    });
    const station: ConnectedStation = { id: identity, endpoint, ws, connectedAt: Date.now() };
    for (const [action, spec] of Object.entries(this.protocol.actions)) {
      if (spec.initiator !== 'CSMS') endpoint.handle(action, this.handlerFor(action));
    }
    if (this.listenerCount('frame') > 0) endpoint.on('frame', (e: FrameEvent) => this.emit('frame', station, e));
    endpoint.on('warning', (line: string) => this.emit('warning', station, line));
    // A reconnect under the same id replaces the old connection.
    this.stations.get(identity)?.ws.terminate();
    this.stations.set(identity, station);
    ws.once('close', () => {
      if (this.stations.get(identity) === station) this.stations.delete(identity);
      this.emit('disconnect', station);
    });
    bindSocket(ws, endpoint);
    this.emit('connect', station);
  }
}
