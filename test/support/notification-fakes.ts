import { execFileSync } from 'node:child_process';
import { createECDH, createDecipheriv, createHmac, createPublicKey, generateKeyPairSync, hkdfSync, randomBytes, timingSafeEqual, verify as verifySignature } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Local stand-ins for the outside services the notifications talk to, all HTTPS on 127.0.0.1 with a certificate of
 * the test's own CA: the server processes trust it through NODE_EXTRA_CA_CERTS (`TestCa.caFile`), so TLS
 * verification stays on exactly as in production.
 *
 * - `FakeFcm`: the OAuth2 token endpoint (checks the JWT-bearer assertion's RS256 signature against the service
 *   account's public key) and the FCM HTTP v1 `messages:send` API (checks the bearer token).
 * - `FakePushService`: a Web Push service. It hands out subscriptions (a P-256 key pair and an auth secret of its
 *   own, like a browser), checks the VAPID header, and decrypts each aes128gcm payload following RFC 8291 / RFC 8188.
 * - `FakeWebhookReceiver`: checks `Parley-Signature` over the raw body and records events.
 *
 * Each can be told to answer a target with a status for a while (`respond`), or to hold requests unanswered
 * (`hold`). Every request is recorded before it is answered, so once the server has deleted a delivery (it does so
 * after the answer) its request is in the record. Waiting is done on events (`waitFor`), never with sleeps.
 */

/** A CA and a server certificate for 127.0.0.1 / localhost, made with the openssl CLI in a temporary folder. */
export class TestCa {
  private constructor(
    readonly caFile: string,
    readonly key: Buffer,
    readonly cert: Buffer,
  ) {}

  static create(): TestCa {
    const dir = mkdtempSync(join(tmpdir(), 'parley-test-ca-'));
    const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Parley test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
    run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
    writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
    run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext');
    return new TestCa(join(dir, 'ca.pem'), readFileSync(join(dir, 'server.key')), readFileSync(join(dir, 'server.pem')));
  }
}

/** How a fake answers a request for some target: a status (with headers and body) `times` times, or for ever. */
interface Rule {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  times: number;
}

/** What every fake shares: an HTTPS server, a record, rules per target, held requests. */
abstract class FakeService<Received extends { target: string }> {
  /** Every request, in arrival order (recorded before it is answered). */
  readonly received: Received[] = [];
  /** The requests answered with a 2xx that reached the client: the deliveries that succeeded. */
  readonly accepted: Received[] = [];
  private readonly events = new EventEmitter();
  private readonly rules = new Map<string, Rule>();
  private readonly holds = new Map<string, { remaining: number; held: Array<() => void> }>();
  protected server!: Server;
  port = 0;

  protected async listen(ca: TestCa): Promise<void> {
    this.server = createServer({ key: ca.key, cert: ca.cert }, (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        void this.handle(request, Buffer.concat(chunks), response).catch((error: unknown) => {
          if (!response.headersSent) response.writeHead(500).end(String(error));
        });
      });
    });
    this.events.setMaxListeners(100);
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  get origin(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /** The next `times` requests for `target` (Infinity: all) are answered with `status`. */
  respond(target: string, status: number, options: { times?: number; body?: unknown; headers?: Record<string, string> } = {}): void {
    this.rules.set(target, { status, body: options.body, headers: options.headers, times: options.times ?? Infinity });
  }

  /** The next `count` requests for `target` are recorded but not answered until `release` (or the client goes). */
  hold(target: string, count = 1): void {
    this.holds.set(target, { remaining: count, held: [] });
  }

  release(target: string): void {
    const hold = this.holds.get(target);
    this.holds.delete(target);
    for (const answer of hold?.held ?? []) answer();
  }

  /** Resolves with the records matching `where` once there are at least `count` of them. */
  waitFor(where: (item: Received) => boolean, count = 1, timeoutMs = 20_000, list: 'received' | 'accepted' = 'received'): Promise<Received[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this[list].filter(where);
        if (found.length < count) return false;
        this.events.off('received', check);
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        this.events.off('received', check);
        reject(new Error(`${this.constructor.name}: ${this[list].filter(where).length} of ${count} expected requests ${list} in ${timeoutMs} ms (${this.received.length} received in all)`));
      }, timeoutMs);
      if (!check()) this.events.on('received', check);
    });
  }

  async close(): Promise<void> {
    for (const target of [...this.holds.keys()]) this.release(target);
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Records, then answers by the rules (or holds, or the default answer). */
  protected record(item: Received, response: ServerResponse, answer: () => void): void {
    response.once('finish', () => {
      if (response.statusCode < 300) {
        this.accepted.push(item);
        this.events.emit('received');
      }
    });
    this.received.push(item);
    this.events.emit('received');
    const hold = this.holds.get(item.target);
    if (hold && hold.remaining > 0) {
      hold.remaining--;
      hold.held.push(() => answer());
      return;
    }
    const rule = this.rules.get(item.target);
    if (rule && rule.times > 0) {
      rule.times--;
      if (rule.times === 0) this.rules.delete(item.target);
      response.writeHead(rule.status, { 'content-type': 'application/json', ...rule.headers }).end(rule.body === undefined ? '' : JSON.stringify(rule.body));
      return;
    }
    answer();
  }

  protected abstract handle(request: IncomingMessage, body: Buffer, response: ServerResponse): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------------
// FCM

export interface FcmServiceAccountFile {
  path: string;
  projectId: string;
  clientEmail: string;
}

/** A push FCM received: `target` is the registration token. */
export interface FcmPush {
  target: string;
  title: string;
  body: string;
  data: Record<string, string>;
}

export class FakeFcm extends FakeService<FcmPush> {
  readonly projectId = `parley-test-${randomBytes(3).toString('hex')}`;
  readonly clientEmail = `notifier@${this.projectId}.iam.gserviceaccount.com`;
  private readonly keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  private readonly issued = new Set<string>();
  /** Token requests answered (the server caches its token: one per process, normally). */
  tokenRequests = 0;

  static async start(ca: TestCa): Promise<FakeFcm> {
    const fake = new FakeFcm();
    await fake.listen(ca);
    return fake;
  }

  /** Writes the service account key file the server is given (FCM_SERVICE_ACCOUNT_FILE). */
  writeServiceAccount(): FcmServiceAccountFile {
    const path = join(mkdtempSync(join(tmpdir(), 'parley-fcm-')), 'service-account.json');
    writeFileSync(
      path,
      JSON.stringify({
        type: 'service_account',
        project_id: this.projectId,
        private_key_id: 'test-key',
        private_key: this.keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        client_email: this.clientEmail,
        token_uri: `${this.origin}/token`,
      }),
    );
    return { path, projectId: this.projectId, clientEmail: this.clientEmail };
  }

  /** The token is gone (404 UNREGISTERED, as FCM answers for an uninstalled app). */
  unregister(token: string): void {
    this.respond(token, 404, { body: { error: { code: 404, status: 'NOT_FOUND', message: 'Requested entity was not found.', details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: 'UNREGISTERED' }] } } });
  }

  protected async handle(request: IncomingMessage, body: Buffer, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.origin);
    if (request.method === 'POST' && url.pathname === '/token') return this.token(body, response);
    if (request.method === 'POST' && url.pathname === `/v1/projects/${this.projectId}/messages:send`) {
      const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
      if (!bearer || !this.issued.has(bearer)) return void response.writeHead(401).end(JSON.stringify({ error: { code: 401, status: 'UNAUTHENTICATED' } }));
      const message = (JSON.parse(body.toString()) as { message: { token: string; notification: { title: string; body: string }; data: Record<string, string> } }).message;
      const push: FcmPush = { target: message.token, title: message.notification.title, body: message.notification.body, data: message.data };
      this.record(push, response, () => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: `projects/${this.projectId}/messages/${randomBytes(6).toString('hex')}` })));
      return;
    }
    response.writeHead(404).end();
  }

  /** OAuth2 JWT-bearer grant: the assertion must be signed (RS256) by the service account's key, for this endpoint. */
  private token(body: Buffer, response: ServerResponse): void {
    const form = new URLSearchParams(body.toString());
    const refuse = (why: string): void => void response.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_grant', error_description: why }));
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return refuse('grant_type');
    const [header, claims, signature] = (form.get('assertion') ?? '').split('.');
    if (!header || !claims || !signature) return refuse('assertion');
    if (JSON.parse(Buffer.from(header, 'base64url').toString()).alg !== 'RS256') return refuse('alg');
    if (!verifySignature('RSA-SHA256', Buffer.from(`${header}.${claims}`), this.keys.publicKey, Buffer.from(signature, 'base64url'))) return refuse('signature');
    const payload = JSON.parse(Buffer.from(claims, 'base64url').toString()) as { iss: string; aud: string; scope: string; exp: number; iat: number };
    const now = Date.now() / 1000;
    if (payload.iss !== this.clientEmail || payload.aud !== `${this.origin}/token` || !payload.scope.includes('firebase.messaging') || payload.exp < now || payload.iat > now + 60) return refuse('claims');
    const accessToken = `ya29.${randomBytes(16).toString('hex')}`;
    this.issued.add(accessToken);
    this.tokenRequests++;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: accessToken, expires_in: 3599, token_type: 'Bearer' }));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Web Push

/** A browser's subscription, as `PushManager.subscribe()` gives it (and its private half, kept by the fake). */
export interface TestSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** A push the push service received and decrypted: `target` is the subscription endpoint. */
export interface WebPushDelivery {
  target: string;
  payload: { title: string; body: string; data: Record<string, string> };
  headers: { ttl: string | undefined; urgency: string | undefined; vapidSubject: string };
}

export class FakePushService extends FakeService<WebPushDelivery> {
  private readonly subscriptions = new Map<string, { ecdh: ReturnType<typeof createECDH>; publicKey: Buffer; auth: Buffer }>();

  static async start(ca: TestCa): Promise<FakePushService> {
    const fake = new FakePushService();
    await fake.listen(ca);
    return fake;
  }

  /** `host:port`, for WEBPUSH_ALLOWED_HOSTS. */
  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  subscribe(): TestSubscription {
    const ecdh = createECDH('prime256v1');
    const publicKey = ecdh.generateKeys();
    const auth = randomBytes(16);
    const endpoint = `${this.origin}/push/${randomBytes(12).toString('hex')}`;
    this.subscriptions.set(endpoint, { ecdh, publicKey, auth });
    return { endpoint, keys: { p256dh: publicKey.toString('base64url'), auth: auth.toString('base64url') } };
  }

  protected async handle(request: IncomingMessage, body: Buffer, response: ServerResponse): Promise<void> {
    const endpoint = `${this.origin}${request.url}`;
    const subscription = this.subscriptions.get(endpoint);
    if (request.method !== 'POST' || !subscription) return void response.writeHead(404).end();
    if (request.headers['content-encoding'] !== 'aes128gcm') return void response.writeHead(415).end('aes128gcm expected');
    const vapidSubject = checkVapid(request.headers.authorization, this.origin);
    if (!vapidSubject) return void response.writeHead(401).end('bad VAPID authorization');
    const payload = JSON.parse(decryptAes128gcm(body, subscription.ecdh, subscription.publicKey, subscription.auth).toString('utf8')) as WebPushDelivery['payload'];
    const headers = { ttl: request.headers.ttl as string | undefined, urgency: request.headers.urgency as string | undefined, vapidSubject };
    this.record({ target: endpoint, payload, headers }, response, () => response.writeHead(201, { location: `${endpoint}/m/${randomBytes(4).toString('hex')}` }).end());
  }
}

/**
 * RFC 8291 (Message Encryption for Web Push) on RFC 8188's aes128gcm: the body is a header (salt 16 | record size 4 |
 * key id length 1 | key id = the sender's ephemeral public key) and one record.
 *   ecdh_secret = ECDH(ua_private, as_public)
 *   IKM   = HKDF(salt = auth_secret, ikm = ecdh_secret, info = "WebPush: info" 0x00 ua_public as_public, 32)
 *   CEK   = HKDF(salt, IKM, "Content-Encoding: aes128gcm" 0x00, 16)
 *   NONCE = HKDF(salt, IKM, "Content-Encoding: nonce" 0x00, 12)
 * The record is AES-128-GCM (tag: its last 16 bytes); its plaintext ends with the delimiter 0x02 (last record) and
 * zero padding.
 */
export function decryptAes128gcm(body: Buffer, uaEcdh: ReturnType<typeof createECDH>, uaPublic: Buffer, authSecret: Buffer): Buffer {
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const idLength = body.readUInt8(20);
  const asPublic = body.subarray(21, 21 + idLength);
  const record = body.subarray(21 + idLength);
  if (idLength !== 65 || record.length > recordSize) throw new Error('not a single-record aes128gcm body with a P-256 key id');
  const ecdhSecret = uaEcdh.computeSecret(asPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, asPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', ecdhSecret, authSecret, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('the last record lacks the 0x02 delimiter');
  return padded.subarray(0, end);
}

/** `Authorization: vapid t=<JWT>, k=<public key>` (RFC 8292): ES256 over the JWT, `aud` the push service's origin. */
function checkVapid(header: string | undefined, origin: string): string | null {
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? '');
  if (!match) return null;
  const [headerPart, claimsPart, signature] = match[1].split('.');
  const point = Buffer.from(match[2], 'base64url');
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33, 65).toString('base64url') }, format: 'jwk' });
  const valid = verifySignature('sha256', Buffer.from(`${headerPart}.${claimsPart}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
  const claims = JSON.parse(Buffer.from(claimsPart, 'base64url').toString()) as { aud: string; exp: number; sub: string };
  return valid && claims.aud === origin && claims.exp > Date.now() / 1000 ? claims.sub : null;
}

// ---------------------------------------------------------------------------------------------------------------
// Webhooks

/** A webhook received with a valid signature: `target` is always 'webhook'. */
export interface WebhookDelivery {
  target: 'webhook';
  id: string;
  type: string;
  createdAt: string;
  data: any;
  /** 1 for the first POST of this id, 2 for its first retry... */
  attempt: number;
  /** When it arrived (ms since the epoch). */
  receivedAt: number;
}

export class FakeWebhookReceiver extends FakeService<WebhookDelivery> {
  readonly secret = `whsec_${randomBytes(16).toString('hex')}`;
  /** Requests refused for a bad or missing signature. */
  badSignatures = 0;
  private readonly attempts = new Map<string, number>();
  /** Fail (500) the first `n` POSTs of each event whose type matches, on top of `respond`/`hold`. */
  private failFirst: { match: (event: WebhookDelivery) => boolean; times: number } | null = null;

  static async start(ca: TestCa): Promise<FakeWebhookReceiver> {
    const fake = new FakeWebhookReceiver();
    await fake.listen(ca);
    return fake;
  }

  get url(): string {
    return `${this.origin}/hooks/parley`;
  }

  /** The first `times` POSTs of every event matching `match` are answered 500. */
  failEach(match: (event: WebhookDelivery) => boolean, times: number): void {
    this.failFirst = { match, times };
  }

  /** The events received, first POST of each id only (as a deduplicating receiver sees them). */
  unique(where: (event: WebhookDelivery) => boolean = () => true): WebhookDelivery[] {
    const seen = new Set<string>();
    return this.received.filter((event) => where(event) && !seen.has(event.id) && !!seen.add(event.id));
  }

  protected async handle(request: IncomingMessage, body: Buffer, response: ServerResponse): Promise<void> {
    if (request.method !== 'POST' || request.url !== '/hooks/parley') return void response.writeHead(404).end();
    if (!this.verified(String(request.headers['parley-signature'] ?? ''), body)) {
      this.badSignatures++;
      return void response.writeHead(400).end('bad signature');
    }
    const event = JSON.parse(body.toString()) as Omit<WebhookDelivery, 'target' | 'attempt' | 'receivedAt'>;
    const attempt = (this.attempts.get(event.id) ?? 0) + 1;
    this.attempts.set(event.id, attempt);
    const delivery: WebhookDelivery = { target: 'webhook', ...event, attempt, receivedAt: Date.now() };
    if (this.failFirst?.match(delivery) && attempt <= this.failFirst.times) {
      this.record(delivery, response, () => response.writeHead(500).end('failing on purpose'));
      return;
    }
    this.record(delivery, response, () => response.writeHead(204).end());
  }

  /** `t=<unix s>,v1=<hex HMAC-SHA256("<t>.<raw body>")>`, at most 5 minutes old. */
  private verified(header: string, body: Buffer): boolean {
    const parts = new Map(header.split(',').map((part) => part.split('=', 2) as [string, string]));
    const t = Number(parts.get('t'));
    const v1 = parts.get('v1') ?? '';
    if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > 300 || !/^[0-9a-f]{64}$/.test(v1)) return false;
    const expected = createHmac('sha256', this.secret).update(`${t}.`).update(body).digest();
    return timingSafeEqual(expected, Buffer.from(v1, 'hex'));
  }
}
