/**
 * The embedded mock central system: accepts any charge point, answers every
 * charge-point-initiated action with a valid default (overridable per action), and can call
 * connected charge points. Built on the same protocol core as the charge point. Security
 * extension: `wss://` (optionally requiring client certificates), Basic auth with per-charge-point
 * passwords, and SignCertificate answered with a CertificateSigned from a CA.
 * @module
 */
import { timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { TLSSocket } from 'node:tls';
import { RpcEndpoint, type CallHandler, type CallOptions, type FrameEvent, type InboundCall, type InboundViolation } from '../ocpp/endpoint';
import { OcppConnectionError, OcppError } from '../ocpp/errors';
import { MessageType, type Payload } from '../ocpp/frames';
import { SUPPORTED_SUBPROTOCOLS, protocolBySubprotocol, parseSubprotocol } from '../ocpp/protocols';
import { AUTHORIZATION_KEY } from '../ocpp/v16/protocol';
import { createFirmwareSigner, signRsaOrEcCsr, type FirmwareSigner } from '../security/pki';
import { OcppServer, type Accepted, type Authenticator, type BasicCredentials } from '../transport/server';
import { bindSocket } from '../transport/socket';
import type { AnswerContext, CsmsDialect } from './dialect';
import { DIALECTS, dialectFor } from './dialects';
import { ProtocolDiscipline } from './discipline';
import { CsmsPolicy } from './policy';
import { ConformanceProbes } from './probes';
import { CsmsRecords } from './records';
import { CallHistory } from './call-history';
import { TransactionBook } from './transactions';
import type { CertificateSigningResult, ConnectedStation, CsmsCallHandler, MockCsmsOptions } from './csms-options';

export type { CertificateSigningResult, ConnectedStation, CsmsCallHandler, MockCsmsOptions } from './csms-options';


const isPayload = (v: unknown): v is Payload => typeof v === 'object' && v !== null && !Array.isArray(v);
const isThenable = (v: unknown): v is PromiseLike<unknown> => typeof (v as PromiseLike<unknown> | undefined)?.then === 'function';

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Whether the Basic-auth password matches `expected`, sent as text or (for a hex
 * AuthorizationKey) as the raw bytes the hex stands for.
 * @param given The password bytes from the Authorization header.
 * @param expected The configured password.
 */
export function passwordMatches(given: Buffer, expected: string): boolean {
  if (sameBytes(given, Buffer.from(expected, 'utf8'))) return true;
  return AUTHORIZATION_KEY.test(expected) && sameBytes(given, Buffer.from(expected, 'hex'));
}

/**
 * A central system for tests and examples.
 *
 * Events: `connect` (station), `disconnect` (station), `frame` (station, {@link FrameEvent}),
 * `warning` (station, line: also a frame that broke the WebSocket protocol, or a charge point
 * that stopped reading), `refused` (charge point id, reason: a refused connection: an invalid id
 * (HTTP 404), HTTP 401, none of the served OCPP versions offered, a malformed or too slow upgrade
 * request (the id is then empty)),
 * `certificateSigned` (station, `CertificateSigningResult`: the CSR, the chain sent, the charge
 * point's answer or the error), `call` (station, {@link InboundCall}: every CALL from a charge
 * point, before it is handled), `answered` (station, action, request, response: a CALL of
 * BootNotification, StatusNotification, Start/StopTransaction or MeterValues we answered with
 * a CALLRESULT), `refusedCall` (station, action, code, description: a CALL refused by the
 * {@link ProtocolDiscipline}), `stateWarning` (line: a damaged state file set aside, a failed
 * write; without a listener it becomes a process warning), `close` (after {@link MockCsms.close}).
 * @category Mock CSMS
 */
export class MockCsms extends EventEmitter {
  /** Connected charge points by id. */
  readonly stations = new Map<string, ConnectedStation>();
  /** Basic-auth passwords by charge point id (see {@link MockCsmsOptions.passwords}). */
  readonly passwords: Map<string, string>;
  /** Boot statuses and authorization decisions (its fields can be changed while running). */
  readonly policy: CsmsPolicy;
  /** The order rules and each charge point's registration status. */
  readonly discipline: ProtocolDiscipline;
  /** Connector statuses, transactions and latest meter values of every charge point. */
  readonly transactions = new TransactionBook();
  /** Conformance probes (undefined when switched off). */
  readonly probes: ConformanceProbes | undefined;
  /** Subprotocols served, in order of preference. */
  readonly protocols: readonly string[];
  private readonly server: OcppServer;
  private readonly overrides = new Map<string, CsmsCallHandler>();
  /** Per connection: inbound CALLs of its dialect's recorded actions awaiting our answer (`booked` once in the books). */
  private readonly awaiting = new WeakMap<ConnectedStation, Map<string, { action: string; payload: Payload; booked?: boolean }>>();
  /** Connections asked to boot because the CSMS had no boot of them. */
  private readonly askedToBoot = new WeakSet<ConnectedStation>();
  private readonly records: CsmsRecords;
  /** The calls this CSMS sent, with their answers (its web view lists them). */
  readonly calls = new CallHistory();
  /**
   * The id of the last reservation each station accepted, whoever sent the ReserveNow (REST,
   * console, periodic commands, the web UI, a script): what a default CancelReservation cancels.
   */
  readonly lastReservation = new Map<string, number>();
  private signer: Promise<FirmwareSigner> | undefined;
  private boundPort = 0;
  private readonly counters: { heartbeatInterval: number; nextTransactionId(): number };

  /**
   * Create a mock CSMS; call {@link MockCsms.listen} to start it.
   * @param options See {@link MockCsmsOptions}.
   */
  constructor(private readonly options: MockCsmsOptions = {}) {
    super();
    this.protocols = options.protocols ? options.protocols.map(parseSubprotocol) : DIALECTS.map((d) => d.protocol.subprotocol);
    this.server = new OcppServer({
      port: options.port ?? 8100,
      host: options.host,
      protocols: [...this.protocols],
      authenticate: (id, credentials, req) => this.admit(id, credentials, req),
      handshakeTimeoutMs: options.handshakeTimeoutMs,
      tls: options.tls && {
        key: options.tls.key,
        cert: options.tls.cert,
        ca: options.tls.ca ?? options.pki?.cert,
        // Always asked for, so one listener serves profiles 2 and 3 (TC_083 moves a charge point
        // from one to the other) and ConnectedStation shows it; required only with requireClientCert,
        // checked after the handshake so the refusal is an HTTP 401 naming the charge point.
        requestCert: true,
        rejectUnauthorized: false,
      },
    });
    this.passwords = new Map(Object.entries(options.passwords ?? {}));
    this.policy = new CsmsPolicy(options);
    // Transaction messages of every version (an unknown station's are answered, not refused).
    const transactionActions = new Set(SUPPORTED_SUBPROTOCOLS.flatMap((p) => [...protocolBySubprotocol(p).transactionActions]));
    this.discipline = new ProtocolDiscipline(options.discipline ?? true, transactionActions);
    this.probes = options.probes === false ? undefined : new ConformanceProbes(this.transactions, (id) => this.discipline.registrationOf(id), options.probes || {});
    this.records = new CsmsRecords(this.transactions, this.discipline, (line) =>
      this.listenerCount('stateWarning') > 0 ? this.emit('stateWarning', line) : process.emitWarning(`mock CSMS state: ${line}`),
    );
    this.server.on('connection', (accepted: Accepted) => this.accept(accepted));
    this.server.on('refused', (id: string, reason: string) => this.emit('refused', id, reason));
    this.counters = { heartbeatInterval: options.heartbeatInterval ?? 300, nextTransactionId: () => this.transactions.nextTransactionId() };
  }

  /** The bound port (after {@link MockCsms.listen}). */
  get port(): number {
    return this.boundPort;
  }

  /**
   * Base URL charge points connect to (`wss://` with TLS): append the charge point id. The
   * generated server certificate names 127.0.0.1, ::1 and localhost, so host-name checks pass.
   */
  get url(): string {
    const host = this.options.host ?? '127.0.0.1';
    return `${this.options.tls ? 'wss' : 'ws'}://${host.includes(':') ? `[${host}]` : host}:${this.boundPort}/`;
  }

  /**
   * Start listening; resolves with the port. With a {@link MockCsmsOptions.stateDir} the records
   * kept there are restored first (rejects when another process uses the directory).
   */
  async listen(): Promise<number> {
    if (this.options.stateDir !== undefined) this.records.open(this.options.stateDir);
    try {
      this.boundPort = await this.server.listen();
    } catch (err) {
      this.records.close();
      throw err;
    }
    return this.boundPort;
  }

  /**
   * A fresh number for a reservationId, requestId or listVersion (one counter, never repeated,
   * also across restarts with a state directory).
   */
  nextRequestId(): number {
    return this.records.nextRequestId();
  }

  /** The address it binds (default 127.0.0.1). */
  get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  /** Heartbeat interval (s) handed out with an Accepted boot. */
  get heartbeatInterval(): number {
    return this.counters.heartbeatInterval;
  }

  /** The CA certificate (PEM) that signs charge-point CSRs, when the CSMS has one (`pki`). */
  get caCertificate(): string | undefined {
    return this.options.pki?.cert;
  }

  /** Ids of the connected charge points. */
  get chargePointIds(): string[] {
    return [...this.stations.keys()];
  }

  /** Disconnect everyone and stop listening (and save the records, with a state directory). */
  async close(): Promise<void> {
    await this.server.close();
    this.records.close();
    this.emit('close');
  }

  /**
   * Replace the default answer of an action for every charge point (`undefined` restores it).
   * The protocol discipline still applies first.
   * @param action Charge-point-initiated action, e.g. `Authorize`.
   * @param handler Returns the response payload (or answers itself through the station's
   *   endpoint); `return csms.defaultAnswer(call, station)` delegates to the default.
   */
  answer(action: string, handler: CsmsCallHandler | undefined): void {
    if (handler) this.overrides.set(action, handler);
    else this.overrides.delete(action);
    for (const station of this.stations.values()) station.endpoint.handle(action, this.handlerFor(action, station));
  }

  /**
   * Send a CSMS-initiated call to a connected charge point.
   * @param cpId Charge point id.
   * @param action Action, e.g. `RemoteStartTransaction`.
   * @param payload Request payload.
   * @param opts Per-call options.
   */
  async call(cpId: string, action: string, payload: Payload = {}, opts?: CallOptions): Promise<Payload> {
    const station = this.stations.get(cpId);
    if (!station) throw new OcppConnectionError('NotConnected', `charge point ${cpId} is not connected`);
    const sent = this.calls.sent(cpId, action, payload);
    const response = await station.endpoint.call(action, payload, opts).catch((err: unknown) => {
      this.calls.failed(sent, err);
      throw err;
    });
    this.calls.answered(sent, response);
    const password = station.dialect.newPassword(action, payload, response);
    if (password !== undefined) this.passwords.set(cpId, password);
    const reservation = station.dialect.reservationMade(action, payload, response);
    if (reservation !== undefined) this.lastReservation.set(cpId, reservation);
    return response;
  }

  /**
   * Sign a firmware image for SignedUpdateFirmware with this CSMS's test signer (created on
   * first use): the `signingCertificate` and `signature` fields of the request.
   * @param image The firmware image the charge point will download.
   */
  async signFirmware(image: Buffer): Promise<{ signingCertificate: string; signature: string }> {
    this.signer ??= createFirmwareSigner();
    const signer = await this.signer;
    return { signingCertificate: signer.cert, signature: signer.sign(image) };
  }

  /** Basic auth and client certificate; each refusal is reported as a `refused` event. */
  private async admit(id: string, credentials: BasicCredentials | undefined, req: Parameters<Authenticator>[2]): Promise<boolean> {
    const refuse = (reason: string): false => {
      this.emit('refused', id, `${reason} (HTTP 401)`);
      return false;
    };
    const socket = req.socket as TLSSocket;
    const certified = this.options.tls !== undefined && socket.authorized === true;
    if (this.options.tls?.requireClientCert) {
      if (!certified) {
        const reason = socket.authorizationError ? String(socket.authorizationError) : 'no certificate';
        const presented = socket.getPeerCertificate?.()?.raw ? 'its client certificate is not trusted' : 'it presented no client certificate';
        return refuse(`${id}: ${presented} (security profile 3): ${reason}`);
      }
    }
    if (this.options.authenticate) {
      return (await this.options.authenticate(id, credentials, req)) || refuse(`${id}: refused by the authenticate option`);
    }
    // Security profile 3 authenticates with the verified client certificate instead of a password.
    if (certified) return true;
    const expected = this.passwords.get(id) ?? this.options.password;
    if (expected === undefined) return true;
    if (!credentials) return refuse(`${id}: no Basic-auth credentials (a password is required)`);
    if (credentials.username !== id) return refuse(`${id}: Basic-auth user name '${credentials.username}' is not the charge point id`);
    if (!passwordMatches(credentials.password, expected)) return refuse(`${id}: wrong Basic-auth password`);
    return true;
  }

  /**
   * The answer this CSMS gives without overrides: the policy's (boot status, auth mode; offline
   * Authorize is abandoned and never answered), CertificateSigned after SignCertificate with a
   * CA, else the plain default. Returns the payload, or undefined when it answered (or chose
   * not to answer) itself.
   * @param call The inbound CALL.
   * @param station The charge point that sent it.
   */
  defaultAnswer(call: InboundCall, station: ConnectedStation): Payload | undefined {
    if (call.action === 'SignCertificate' && this.options.pki) {
      void this.signCertificate(station, call.uniqueId, call.payload);
      return undefined;
    }
    const context: AnswerContext = { cpId: station.id, policy: this.policy, ...this.counters };
    let decided: ReturnType<CsmsDialect['answer']>;
    try {
      decided = station.dialect.answer(call.action, call.payload, context);
    } catch (err) {
      if (!(err instanceof OcppError)) throw err;
      // Answered here so the CALLERROR keeps its details (rate limit: retryAfter).
      station.endpoint.sendError(call.uniqueId, err.code, err.description, err.details as Payload);
      return undefined;
    }
    if (decided === 'never') {
      station.endpoint.abandon(call.uniqueId);
      return undefined;
    }
    return decided;
  }

  private handlerFor(action: string, station: ConnectedStation): CallHandler | undefined {
    const override = this.overrides.get(action);
    if (!override && !station.dialect.answered.has(action)) return undefined;
    return (req) => {
      const refusal = this.discipline.check(station.id, action, station.dialect.bootRule);
      if (refusal) {
        station.endpoint.sendError(req.uniqueId, refusal.code, refusal.description);
        if (refusal.code === 'SecurityError') this.probes?.callBeforeBoot(station, refusal.description);
        this.emit('refusedCall', station, action, refusal.code, refusal.description);
        return undefined;
      }
      if (this.discipline.needsBoot(station.id, action)) this.askToBoot(station, action);
      // A resent StartTransaction gets the transaction it started, not a second one.
      const answer = this.transactions.bookedAnswer(station.id, action, req.payload) ?? (override ? override(req, station) : this.defaultAnswer(req, station));
      return station.dialect.recorded.has(action) ? this.bookBeforeAnswer(station, req, answer) : answer;
    };
  }

  /**
   * With a state directory, hold a CALLRESULT until its change is written there, then book it
   * and send it in one step. The order matters: the charge point forgets a transaction message
   * once it has the answer, so an answer sent before the change is on disk could be lost for
   * good by a SIGKILL in between. The other way round, a CSMS killed after writing but before
   * answering leaves the charge point without an answer: it resends, and the book recognises
   * the repeat ({@link TransactionBook.repeatOf}), so every message is in the book exactly once.
   * Booked even when the connection is gone by then, so the book always matches the journal.
   * Without a state directory (and for an answer the handler sent itself) the CALLRESULT is
   * booked when it is seen going out.
   */
  private bookBeforeAnswer(station: ConnectedStation, req: InboundCall, answer: unknown): unknown {
    if (isThenable(answer)) return answer.then((a) => this.bookBeforeAnswer(station, req, a));
    if (!isPayload(answer) || !station.endpoint.isUnanswered(req.uniqueId)) return answer;
    const written = this.records.journal(station.protocol.subprotocol, station.id, req.action, req.payload, answer);
    if (!written) return answer;
    const awaiting = this.awaiting.get(station)?.get(req.uniqueId);
    if (awaiting) awaiting.booked = true;
    return written.then(() => {
      this.records.enter(station.protocol.subprotocol, station.id, req.action, req.payload, answer);
      if (station.endpoint.isUnanswered(req.uniqueId)) station.endpoint.sendResult(req.uniqueId, answer);
      return undefined;
    });
  }

  /**
   * A transaction message from a charge point with no boot on record here (the CSMS lost its
   * records, or never had them): it is answered, noted by the probes, and the charge point is
   * asked, once per connection, to boot (1.6: TriggerMessage BootNotification).
   */
  private askToBoot(station: ConnectedStation, action: string): void {
    if (this.askedToBoot.has(station)) return;
    this.askedToBoot.add(station);
    this.probes?.unknownStation(station, action);
    const { action: request, payload } = station.protocol.bootRequest;
    station.endpoint.call(request, { ...payload }).catch((err: Error) => this.emit('warning', station, `${request} for a BootNotification failed: ${err.message}`));
  }

  /** Every frame of every connection: the books, the rules, the probes, and the `frame`/`call` events. */
  private observe(station: ConnectedStation, e: FrameEvent): void {
    const frame = e.frame;
    if (this.listenerCount('frame') > 0) this.emit('frame', station, e);
    if (!frame) return;
    this.probes?.frame(station, e);
    const awaiting = this.awaiting.get(station)!;
    const dialect = station.dialect;
    if (e.direction === 'in') {
      if (frame.type !== MessageType.CALL) return;
      if (dialect.recorded.has(frame.action)) awaiting.set(frame.id, { action: frame.action, payload: frame.payload });
      if (this.listenerCount('call') > 0) this.emit('call', station, { messageTypeId: 2, uniqueId: frame.id, action: frame.action, payload: frame.payload } satisfies InboundCall);
      return;
    }
    if (frame.type === MessageType.CALL) {
      const requested = dialect.requested(frame.action, frame.payload);
      if (requested) this.discipline.requested(station.id, requested.action, requested.once);
      return;
    }
    const request = awaiting.get(frame.id);
    if (!request) return;
    awaiting.delete(frame.id);
    if (frame.type !== MessageType.CALLRESULT) return;
    if (!request.booked) {
      void this.records.journal(station.protocol.subprotocol, station.id, request.action, request.payload, frame.payload);
      this.records.enter(station.protocol.subprotocol, station.id, request.action, request.payload, frame.payload);
    }
    this.emit('answered', station, request.action, request.payload, frame.payload);
  }

  /** Answer SignCertificate first, then (the answer on the wire) send CertificateSigned; RSA and EC CSRs alike. */
  private async signCertificate(station: ConnectedStation, uniqueId: string, request: Payload): Promise<void> {
    const pki = this.options.pki!;
    const csr = String(request.csr);
    let chain: string;
    try {
      chain = await signRsaOrEcCsr(pki, csr, pki.days);
    } catch (err) {
      const error = (err as Error).message;
      station.endpoint.sendResult(uniqueId, { status: 'Rejected' });
      this.emit('warning', station, `SignCertificate rejected: ${error}`);
      this.emit('certificateSigned', station, { csr, error } satisfies CertificateSigningResult);
      return;
    }
    station.endpoint.sendResult(uniqueId, { status: 'Accepted' });
    station.endpoint.call('CertificateSigned', station.dialect.certificateSigned(chain, request)).then(
      (res) => this.emit('certificateSigned', station, { csr, certificateChain: chain, status: String(res.status) } satisfies CertificateSigningResult),
      (err: Error) => {
        this.emit('warning', station, `CertificateSigned failed: ${err.message}`);
        this.emit('certificateSigned', station, { csr, certificateChain: chain, error: err.message } satisfies CertificateSigningResult);
      },
    );
  }

  private accept({ identity, protocol, ws, request, peerCertificate, authorized }: Accepted): void {
    const dialect = dialectFor(protocol);
    const endpoint = new RpcEndpoint({
      protocol: dialect.protocol,
      role: 'CSMS',
      validation: this.options.validation,
      responseTimeoutMs: this.options.responseTimeoutMs,
    });
    const { remoteAddress = '?', remotePort } = request.socket;
    const address = `${remoteAddress.includes(':') ? `[${remoteAddress}]` : remoteAddress}:${remotePort ?? '?'}`;
    const station: ConnectedStation = { id: identity, protocol: dialect.protocol, version: dialect.version, dialect, endpoint, ws, connectedAt: Date.now(), address, peerCertificate, authorized };
    for (const [action, spec] of Object.entries(dialect.protocol.actions)) {
      if (spec.initiator !== 'CSMS') endpoint.handle(action, this.handlerFor(action, station));
    }
    this.awaiting.set(station, new Map());
    endpoint.on('frame', (e: FrameEvent) => this.observe(station, e));
    if (this.probes) endpoint.on('invalid', (v: InboundViolation) => this.probes!.invalid(station, v));
    endpoint.on('warning', (line: string) => this.emit('warning', station, line));
    // A reconnect under the same id replaces the old connection.
    this.stations.get(identity)?.ws.terminate();
    this.stations.set(identity, station);
    ws.once('close', () => {
      if (this.stations.get(identity) === station) this.stations.delete(identity);
      this.emit('disconnect', station);
    });
    this.probes?.connected(station);
    bindSocket(ws, endpoint);
    this.emit('connect', station);
  }
}
