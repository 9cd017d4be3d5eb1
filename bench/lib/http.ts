import { Agent, request } from 'node:http';
import jwt from 'jsonwebtoken';

export const API = '/api/v1/chat';

/** Keep-alive agent: the history timings measure the request, not a TCP handshake. */
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

export interface HttpResult<T = any> {
  status: number;
  body: T;
  ms: number;
}

/** One JSON request to 127.0.0.1 only; `ms` is the time to the last byte of the response. */
export function http<T = any>(baseUrl: string, method: string, path: string, token?: string, body?: unknown, timeoutMs = 30_000): Promise<HttpResult<T>> {
  const url = new URL(path, baseUrl);
  if (url.hostname !== '127.0.0.1') throw new Error(`bench targets 127.0.0.1 only, not ${url.hostname}`);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request({ host: '127.0.0.1', port: url.port, path: url.pathname + url.search, method, headers, agent, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const ms = performance.now() - started;
        const text = Buffer.concat(chunks).toString();
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : null;
        } catch {
          // not JSON
        }
        resolve({ status: res.statusCode ?? 0, body: parsed as T, ms });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export async function expectStatus<T = any>(promise: Promise<HttpResult<T>>, ...statuses: number[]): Promise<HttpResult<T>> {
  const result = await promise;
  if (!statuses.includes(result.status)) throw new Error(`HTTP ${result.status}: ${JSON.stringify(result.body).slice(0, 300)}`);
  return result;
}

/** An HS256 token like an identity provider would mint: `sub` is the user, nothing else is needed. */
export function tokenFor(secret: string, userId: string): string {
  return jwt.sign({ sub: userId }, secret, { algorithm: 'HS256', expiresIn: 6 * 3600 });
}
