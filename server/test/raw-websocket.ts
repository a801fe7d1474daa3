/**
 * WebSocket by hand, on plain TCP sockets, for tests that must send what no WebSocket library
 * would: frames with any opcode, RSV bits, masking and announced length, a handshake dribbled
 * byte by byte, a server that answers the upgrade and then misbehaves.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';

/** Text, binary, close, ping opcodes (RFC 6455 §5.2). */
export const Opcode = { text: 0x1, binary: 0x2, close: 0x8, ping: 0x9 } as const;

/** One frame as it goes on the wire. */
export interface FrameSpec {
  /** Default text. */
  opcode?: number;
  /** Default empty. */
  payload?: Buffer | string;
  /** Mask it (a client must, a server must not). */
  masked: boolean;
  /** Set RSV1 (only meaningful with a negotiated extension). */
  rsv1?: boolean;
  /** Announce this length instead of the payload's. */
  announcedLength?: number;
}

/** Encode one frame (FIN set). */
export function encodeFrame(spec: FrameSpec): Buffer {
  const payload = Buffer.from(spec.payload ?? '');
  const length = spec.announcedLength ?? payload.length;
  const head = [0x80 | (spec.rsv1 ? 0x40 : 0) | (spec.opcode ?? Opcode.text)];
  const maskBit = spec.masked ? 0x80 : 0;
  if (length < 126) head.push(maskBit | length);
  else if (length < 0x10000) head.push(maskBit | 126, length >> 8, length & 0xff);
  else {
    const big = Buffer.alloc(8);
    big.writeBigUInt64BE(BigInt(length));
    head.push(maskBit | 127, ...big);
  }
  if (!spec.masked) return Buffer.concat([Buffer.from(head), payload]);
  const key = randomBytes(4);
  const body = Buffer.from(payload.map((b, i) => b ^ key[i % 4]!));
  return Buffer.concat([Buffer.from(head), key, body]);
}

/** A frame read back. */
export interface ReadFrame {
  /** Opcode. */
  opcode: number;
  /** Unmasked payload. */
  payload: Buffer;
}

/** Reads frames out of a byte stream (either direction: masked or not). */
export class FrameReader {
  private buffer: Buffer = Buffer.alloc(0);

  /** Add bytes; returns the frames completed by them. */
  push(chunk: Buffer): ReadFrame[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const frames: ReadFrame[] = [];
    for (;;) {
      const b = this.buffer;
      if (b.length < 2) break;
      let length = b[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (b.length < 4) break;
        length = b.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (b.length < 10) break;
        length = Number(b.readBigUInt64BE(2));
        offset = 10;
      }
      const masked = (b[1]! & 0x80) !== 0;
      const key = masked ? b.subarray(offset, offset + 4) : undefined;
      if (masked) offset += 4;
      if (b.length < offset + length) break;
      const payload = Buffer.from(b.subarray(offset, offset + length));
      if (key) for (let i = 0; i < payload.length; i++) payload[i]! ^= key[i % 4]!;
      frames.push({ opcode: b[0]! & 0x0f, payload });
      this.buffer = b.subarray(offset + length);
    }
    return frames;
  }
}

/** The close code in a close frame's payload (1005 when it has none). */
export function closeCodeOf(frame: ReadFrame): number {
  return frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005;
}

/** One end of a hand-made WebSocket connection. */
export interface RawEnd {
  /** The TCP socket. */
  socket: net.Socket;
  /** Every text frame received, in order (as text). */
  texts: string[];
  /** Called on each text frame (after it was added to {@link RawEnd.texts}). */
  onText?: (text: string) => void;
  /** The code of the close frame the other end sent; undefined if the socket closed without one. */
  closeCode: Promise<number | undefined>;
  /** Resolves when the TCP connection is closed. */
  closed: Promise<void>;
  /** Send a well-formed text frame (masked when this end is the client). */
  send(text: string): void;
}

function rawEnd(socket: net.Socket, masked: boolean, leftover: Buffer): RawEnd {
  const reader = new FrameReader();
  let closeCode: (code: number | undefined) => void = () => undefined;
  const end: RawEnd = {
    socket,
    texts: [],
    closeCode: new Promise((resolve) => (closeCode = resolve)),
    closed: new Promise((resolve) => socket.once('close', () => resolve())),
    send: (text) => socket.write(encodeFrame({ payload: text, masked })),
  };
  const take = (chunk: Buffer): void => {
    for (const f of reader.push(chunk)) {
      if (f.opcode === Opcode.close) closeCode(closeCodeOf(f));
      else if (f.opcode === Opcode.text) {
        const text = f.payload.toString('utf8');
        end.texts.push(text);
        end.onText?.(text);
      }
    }
  };
  socket.on('data', take);
  socket.once('close', () => closeCode(undefined));
  socket.on('error', () => undefined);
  if (leftover.length) take(leftover);
  return end;
}

/** Read an HTTP head (up to the blank line) from a socket; resolves with it and what followed. */
export function readHead(socket: net.Socket): Promise<{ head: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let data = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      data = Buffer.concat([data, chunk]);
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve({ head: data.subarray(0, end).toString('latin1'), rest: data.subarray(end + 4) });
    };
    const onClose = (): void => reject(new Error(`closed before an HTTP head (got ${JSON.stringify(data.toString('latin1'))})`));
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

/** Open a TCP connection to 127.0.0.1:port (resolves once connected). */
export function tcp(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** The upgrade request a client sends for `path`, offering `protocol`. */
export function upgradeRequest(path: string, protocol = 'ocpp1.6'): string {
  return [
    `GET ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    'Sec-WebSocket-Version: 13',
    `Sec-WebSocket-Protocol: ${protocol}`,
    '',
    '',
  ].join('\r\n');
}

/** A hand-made client: upgrade `path` on 127.0.0.1:port; rejects unless the answer is 101. */
export async function rawClient(port: number, path: string, protocol = 'ocpp1.6'): Promise<RawEnd> {
  const socket = await tcp(port);
  socket.write(upgradeRequest(path, protocol));
  const { head, rest } = await readHead(socket);
  if (!head.startsWith('HTTP/1.1 101')) {
    socket.destroy();
    throw new Error(`upgrade refused: ${head.split('\r\n')[0]}`);
  }
  return rawEnd(socket, true, rest);
}

/** A hand-made central system: answers every upgrade with 101 (subprotocol ocpp1.6) and hands the connection over. */
export interface RawServer {
  /** `ws://127.0.0.1:port/` (append a charge point id). */
  url: string;
  /** The next connection (each one only once). */
  next(): Promise<RawEnd>;
  /** Stop and drop every connection. */
  close(): Promise<void>;
}

/**
 * Start a hand-made central system. With `answer: false` it never answers the upgrade (a
 * server that dribbles nothing back).
 */
export async function rawServer(answer = true): Promise<RawServer> {
  const server = http.createServer();
  const waiting: RawEnd[] = [];
  const waiters: ((end: RawEnd) => void)[] = [];
  const sockets = new Set<net.Socket>();
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (!answer) return;
    const accept = createHash('sha1').update(`${String(req.headers['sec-websocket-key'])}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${accept}`, 'Sec-WebSocket-Protocol: ocpp1.6', '', ''].join('\r\n'));
    const end = rawEnd(socket, false, head);
    const w = waiters.shift();
    if (w) w(end);
    else waiting.push(end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    next: () => (waiting.length ? Promise.resolve(waiting.shift()!) : new Promise((resolve) => waiters.push(resolve))),
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
