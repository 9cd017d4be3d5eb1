import { WebSocket } from 'ws';

/**
 * A lean Socket.IO v5 / Engine.IO v4 client over `ws`, websocket transport only: what socket.io-client does on the
 * wire (handshake with `auth`, namespace connect, events, acknowledgements, ping/pong), without its parser and
 * emitter layers. The load generator receives tens of thousands of events per second on one core; handing each
 * frame over as its raw text (the caller looks for what it needs with indexOf) keeps the generator from being
 * the bottleneck. Packets (text frames): `0{open}`, `2` ping → `3` pong, `40/chat,{auth}` connect,
 * `44/chat,{error}` connect_error, `42/chat,[event,payload]`, `42/chat,<id>[...]` with ack, `43/chat,<id>[ack]`.
 */
export class LeanSocket {
  /** Called with every `42` frame (an event) as text, e.g. `42/chat,["message.created",{...}]`. */
  onEvent: ((frame: string) => void) | null = null;
  onClose: (() => void) | null = null;
  connected = false;
  closed = false;
  private readonly acks = new Map<number, (ack: string) => void>();
  private nextAck = 1;
  private readonly eventPrefix: string;
  private readonly ackPrefix: string;

  private constructor(
    private readonly ws: WebSocket,
    readonly namespace: string,
  ) {
    this.eventPrefix = `42${namespace},`;
    this.ackPrefix = `43${namespace},`;
  }

  /** Opens the socket and connects to the namespace; rejects with the connect_error message or on timeout. */
  static connect(baseUrl: string, namespace: string, auth: Record<string, unknown>, timeoutMs = 20_000): Promise<LeanSocket> {
    const url = `${baseUrl.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: timeoutMs });
    const socket = new LeanSocket(ws, namespace);
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => fail(new Error(`connect timeout after ${timeoutMs} ms`)), timeoutMs);
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        ws.terminate();
        reject(error);
      };
      ws.on('error', (error) => fail(error));
      ws.on('close', () => {
        socket.closed = true;
        socket.connected = false;
        fail(new Error('closed during the handshake'));
        socket.onClose?.();
      });
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (isBinary) return;
        const frame = data.toString();
        if (socket.connected) return socket.handle(frame);
        if (frame.charCodeAt(0) === 48 /* 0 */) {
          ws.send(`40${namespace},${JSON.stringify(auth)}`);
        } else if (frame === '2') {
          ws.send('3');
        } else if (frame.startsWith(`40${namespace},`)) {
          socket.connected = true;
          settled = true;
          clearTimeout(timer);
          resolve(socket);
        } else if (frame.startsWith(`44${namespace},`)) {
          let message = frame;
          let data: unknown;
          try {
            const parsed = JSON.parse(frame.slice(namespace.length + 3)) as { message?: string; data?: unknown };
            message = parsed.message ?? frame;
            data = parsed.data;
          } catch {
            // keep the raw frame
          }
          // `data` says why (e.g. `{ statusCode: 503, code: 'SERVER_BUSY', retryAfterSeconds: 2 }`).
          fail(Object.assign(new Error(`connect_error: ${message}`), { data }));
        }
      });
    });
  }

  private handle(frame: string): void {
    if (frame.startsWith(this.eventPrefix)) {
      this.onEvent?.(frame);
    } else if (frame.startsWith(this.ackPrefix)) {
      const start = this.ackPrefix.length;
      const bracket = frame.indexOf('[', start);
      const id = Number(frame.slice(start, bracket));
      const callback = this.acks.get(id);
      if (callback) {
        this.acks.delete(id);
        callback(frame.slice(bracket));
      }
    } else if (frame === '2') {
      this.ws.send('3');
    } else if (frame.startsWith(`41${this.namespace}`) || frame === '1') {
      this.connected = false;
      this.ws.close();
    }
  }

  /** Emits `event` with a payload already serialised as JSON; `onAck` gets the ack's JSON array text, e.g. `[{"ok":true,...}]`. */
  emitWithAck(event: string, payloadJson: string, onAck: (ack: string) => void): void {
    const id = this.nextAck++;
    this.acks.set(id, onAck);
    this.ws.send(`42${this.namespace},${id}["${event}",${payloadJson}]`);
  }

  get pendingAcks(): number {
    return this.acks.size;
  }

  close(): void {
    if (this.closed) return;
    this.connected = false;
    this.ws.close();
  }

  terminate(): void {
    this.connected = false;
    this.ws.terminate();
  }
}

/** True when an ack text (`[{"ok":true,...}]`) reports success. */
export function ackOk(ack: string): boolean {
  return ack.startsWith('[{"ok":true');
}

/** The error message of a failed ack, for reports. */
export function ackError(ack: string): string {
  try {
    const [body] = JSON.parse(ack) as Array<{ error?: { statusCode?: number; message?: string } }>;
    return `${body.error?.statusCode ?? '?'} ${body.error?.message ?? ack.slice(0, 120)}`;
  } catch {
    return ack.slice(0, 120);
  }
}

/** The string value of `"key":"..."` in a JSON text, found by position (values the bench wrote: no escapes). */
export function stringField(text: string, key: string, from = 0): string | undefined {
  const marker = `"${key}":"`;
  const at = text.indexOf(marker, from);
  if (at < 0) return undefined;
  const start = at + marker.length;
  return text.slice(start, text.indexOf('"', start));
}

/** The integer value of `"key":123` in a JSON text, found by position. */
export function intField(text: string, key: string, from = 0): number | undefined {
  const marker = `"${key}":`;
  const at = text.indexOf(marker, from);
  if (at < 0) return undefined;
  let value = 0;
  let i = at + marker.length;
  for (let c = text.charCodeAt(i); c >= 48 && c <= 57; c = text.charCodeAt(++i)) value = value * 10 + (c - 48);
  return value;
}
