/**
 * The outside services of the `notify` scenario, in a child process of the bench pinned like the generator: one
 * HTTPS server on 127.0.0.1 with a certificate of a CA made for the run (openssl CLI), which the Parley server
 * trusts through NODE_EXTRA_CA_CERTS (TLS verification stays on), serving
 *
 * - `POST /token`: the OAuth2 token endpoint of the FCM service account (JWT-bearer grant; the RS256 assertion is
 *   checked against the account's public key);
 * - `POST /v1/projects/<project>/messages:send`: the FCM HTTP v1 API (checks the bearer token, records
 *   `message.data.messageId`, answers 200 like FCM);
 * - `POST /hook`: the webhook receiver (checks `Parley-Signature` over the raw body, records the message id of
 *   `message.created` and `notification` events).
 *
 * Each record is (message id, arrival time on CLOCK_MONOTONIC in ms: `process.hrtime`, the clock the generator
 * converts its ack times to). Over IPC the bench asks `counts`, `reset` and `dump` (the records).
 * Run by bench/scenarios/notify.ts: `node notify-fakes.js <dir>`; it answers `{type:'ready', ...}` once listening.
 */
import { execFileSync } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomBytes, timingSafeEqual, verify } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir || !process.send) throw new Error('usage: node notify-fakes.js <dir> (as a child process with IPC)');

const now = () => Number(process.hrtime.bigint()) / 1e6;

// A CA of the run and a server certificate for 127.0.0.1, as test/support/notification-fakes.ts makes them.
const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Parley bench CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext');

const projectId = `parley-bench-${randomBytes(3).toString('hex')}`;
const clientEmail = `notifier@${projectId}.iam.gserviceaccount.com`;
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const webhookSecret = randomBytes(24).toString('hex');
const issued = new Set<string>();
const sendPath = `/v1/projects/${projectId}/messages:send`;

const pushes = { ids: [] as string[], at: [] as number[] };
const hooks = { types: [] as string[], ids: [] as string[], at: [] as number[] };
const counters = { tokenRequests: 0, unauthorized: 0, badSignatures: 0, badRequests: 0, otherWebhooks: 0 };
let lastAt = 0;

const server = createServer({ key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.pem')), keepAliveTimeout: 60_000 }, (request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks);
    const at = now();
    try {
      if (request.method === 'POST' && request.url === sendPath) {
        const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
        if (!bearer || !issued.has(bearer)) {
          counters.unauthorized++;
          return void response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":401,"status":"UNAUTHENTICATED"}}');
        }
        const message = (JSON.parse(body.toString()) as { message: { token: string; data?: Record<string, string> } }).message;
        pushes.ids.push(message.data?.messageId ?? '');
        pushes.at.push(at);
        lastAt = at;
        return void response.writeHead(200, { 'content-type': 'application/json' }).end(`{"name":"projects/${projectId}/messages/${pushes.ids.length}"}`);
      }
      if (request.method === 'POST' && request.url === '/hook') {
        if (!signed(String(request.headers['parley-signature'] ?? ''), body)) {
          counters.badSignatures++;
          return void response.writeHead(400).end();
        }
        const event = JSON.parse(body.toString()) as { type: string; data: { messageId?: string; message?: { id?: string } } };
        const messageId = event.type === 'notification' ? event.data.messageId : event.type === 'message.created' ? event.data.message?.id : undefined;
        if (messageId) {
          hooks.types.push(event.type);
          hooks.ids.push(messageId);
          hooks.at.push(at);
          lastAt = at;
        } else {
          counters.otherWebhooks++;
        }
        return void response.writeHead(204).end();
      }
      if (request.method === 'POST' && request.url === '/token') return token(body, response);
      counters.badRequests++;
      response.writeHead(404).end();
    } catch (error) {
      counters.badRequests++;
      if (!response.headersSent) response.writeHead(400).end(String(error));
    }
  });
});

function signed(header: string, body: Buffer): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!match || Math.abs(Date.now() / 1000 - Number(match[1])) > 300) return false;
  const expected = createHmac('sha256', webhookSecret).update(`${match[1]}.`).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(match[2], 'hex'));
}

/** OAuth2 JWT-bearer grant: the assertion must be signed (RS256) with the service account's key. */
function token(body: Buffer, response: import('node:http').ServerResponse): void {
  const form = new URLSearchParams(body.toString());
  const [header, claims, signature] = (form.get('assertion') ?? '').split('.');
  const valid =
    form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:jwt-bearer' &&
    !!header &&
    !!claims &&
    !!signature &&
    verify('RSA-SHA256', Buffer.from(`${header}.${claims}`), keys.publicKey, Buffer.from(signature, 'base64url')) &&
    (JSON.parse(Buffer.from(claims, 'base64url').toString()) as { iss?: string }).iss === clientEmail;
  if (!valid) return void response.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_grant"}');
  const accessToken = `ya29.${randomBytes(16).toString('hex')}`;
  issued.add(accessToken);
  counters.tokenRequests++;
  response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: accessToken, expires_in: 3599, token_type: 'Bearer' }));
}

server.listen(0, '127.0.0.1', () => {
  const port = (server.address() as AddressInfo).port;
  const origin = `https://127.0.0.1:${port}`;
  const serviceAccountFile = join(dir, 'service-account.json');
  writeFileSync(
    serviceAccountFile,
    JSON.stringify({
      type: 'service_account',
      project_id: projectId,
      private_key_id: 'bench',
      private_key: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: clientEmail,
      token_uri: `${origin}/token`,
    }),
  );
  process.send?.({ type: 'ready', origin, caFile: join(dir, 'ca.pem'), serviceAccountFile, webhookUrl: `${origin}/hook`, webhookSecret });
});

process.on('message', (message: { type: string; id: number }) => {
  const reply = (body: Record<string, unknown>) => process.send?.({ ...body, id: message.id });
  switch (message.type) {
    case 'counts':
      return reply({ pushes: pushes.ids.length, webhooks: hooks.ids.length, lastAt, ...counters });
    case 'reset':
      pushes.ids.length = pushes.at.length = 0;
      hooks.types.length = hooks.ids.length = hooks.at.length = 0;
      lastAt = 0;
      return reply({});
    case 'dump':
      return reply({ pushes, hooks, counters });
  }
});
process.on('disconnect', () => process.exit(0));
