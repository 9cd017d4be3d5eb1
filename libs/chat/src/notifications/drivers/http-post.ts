import type { IncomingHttpHeaders } from 'node:http';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** The most of an answer's body that is kept (an FCM error or a token answer is far smaller). */
const MAX_BODY_BYTES = 64 * 1024;

export interface PostAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as text when `readBody(status)` asked for it, else '' (the body is drained unread). */
  body: string;
}

/**
 * POSTs over keep-alive connections with `node:http(s)` rather than the global `fetch`: a delivery is one small
 * request, and fetch's web streams and per-request `AbortSignal.timeout` cost far more CPU than the request itself.
 * One instance per sender, so its sockets (at most `maxSockets`, the delivery concurrency) are reused across sends.
 * TLS is verified against the default CAs (plus NODE_EXTRA_CA_CERTS); redirects are not followed (a 3xx is
 * answered as it is).
 */
export class HttpPoster {
  private readonly https: HttpsAgent;
  private http: HttpAgent | null = null;

  constructor(
    private readonly timeoutMs: number,
    private readonly maxSockets: number,
  ) {
    this.https = new HttpsAgent({ keepAlive: true, maxSockets, scheduling: 'lifo' });
  }

  /** The https agent, for libraries that take one (web-push). */
  get httpsAgent(): HttpsAgent {
    return this.https;
  }

  /**
   * Sends `body` to `url`; rejects on a network error, on `abort`, or when the whole exchange takes longer than the
   * timeout (errors named `TimeoutError` / `AbortError`, as fetch's were).
   */
  async post(url: string, headers: Record<string, string>, body: string, abort: AbortSignal, readBody: (status: number) => boolean): Promise<PostAnswer> {
    // One deadline for both tries: the delivery's lease is the timeout plus a margin.
    const deadline = Date.now() + this.timeoutMs;
    try {
      return await this.attempt(url, headers, body, abort, readBody, deadline);
    } catch (error) {
      // A kept-alive socket the server closed as we reused it: the request never reached it, so it goes again once
      // on a fresh socket (Node's documented pattern) rather than waiting for a retry's backoff.
      if ((error as { staleSocket?: boolean }).staleSocket) return this.attempt(url, headers, body, abort, readBody, deadline);
      throw error;
    }
  }

  private attempt(url: string, headers: Record<string, string>, body: string, abort: AbortSignal, readBody: (status: number) => boolean, deadline: number): Promise<PostAnswer> {
    if (abort.aborted) return Promise.reject(namedError('AbortError', 'aborted'));
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    // http: only for a webhook receiver or a fake FCM the configuration allows on http (checked at startup).
    const agent = secure ? this.https : (this.http ??= new HttpAgent({ keepAlive: true, maxSockets: this.maxSockets, scheduling: 'lifo' }));
    const payload = Buffer.from(body);
    return new Promise<PostAnswer>((resolve, reject) => {
      let settled = false;
      let answered = false;
      const finish = (error: Error | null, answer?: PostAnswer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        abort.removeEventListener('abort', onAbort);
        if (error) {
          req.destroy(error);
          reject(error);
        } else resolve(answer!);
      };
      const onAbort = () => finish(namedError('AbortError', 'aborted'));
      const req = (secure ? httpsRequest : httpRequest)(
        target,
        { method: 'POST', agent, headers: { ...headers, 'content-length': String(payload.length) } },
        (res) => {
          answered = true;
          res.on('error', (error) => finish(error));
          const status = res.statusCode ?? 0;
          if (!readBody(status)) {
            // Drained so the socket goes back to the pool; the answer is known from the status line.
            res.resume();
            res.on('end', () => finish(null, { status, headers: res.headers, body: '' }));
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            if (size < MAX_BODY_BYTES) chunks.push(chunk);
            size += chunk.length;
          });
          res.on('end', () => finish(null, { status, headers: res.headers, body: Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8') }));
        },
      );
      // One plain timer for the whole exchange, rather than an AbortSignal per request.
      const timer = setTimeout(() => finish(namedError('TimeoutError', 'request timed out')), Math.max(0, deadline - Date.now()));
      abort.addEventListener('abort', onAbort, { once: true });
      req.on('error', (error: Error & { code?: string; staleSocket?: boolean }) => {
        if (req.reusedSocket && error.code === 'ECONNRESET' && !answered) error.staleSocket = true;
        finish(error);
      });
      req.end(payload);
    });
  }

  /** Closes the pooled sockets (module destroy). */
  destroy(): void {
    this.https.destroy();
    this.http?.destroy();
  }
}

function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}
