import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateVAPIDKeys } from 'web-push';
import { generateKeyPairSync } from 'node:crypto';
import { loadConfig } from '../src/config/app-config';
import { SERVER_MAIN } from './support/processes';

/** The notification variables of the standalone server: parsed into module options, and bad values stop the start. */
describe('notifications configuration (environment)', () => {
  const vapid = generateVAPIDKeys();
  const serviceAccount = () => {
    const path = join(mkdtempSync(join(tmpdir(), 'parley-sa-')), 'sa.json');
    const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    writeFileSync(path, JSON.stringify({ project_id: 'p', client_email: 'n@p.iam.gserviceaccount.com', private_key: privateKey, token_uri: 'https://oauth2.example/token' }));
    return path;
  };

  it('turns nothing on when nothing is set', () => {
    expect(loadConfig({}).notifications).toEqual({ delivery: { requestTimeoutMs: undefined, concurrency: undefined } });
  });

  it('maps every variable onto the module options', () => {
    const file = serviceAccount();
    const config = loadConfig({
      FCM_SERVICE_ACCOUNT_FILE: file,
      FCM_API_URL: 'https://fcm.example',
      WEBPUSH_VAPID_PUBLIC_KEY: vapid.publicKey,
      WEBPUSH_VAPID_PRIVATE_KEY: vapid.privateKey,
      WEBPUSH_SUBJECT: 'mailto:ops@example.com',
      WEBPUSH_ALLOWED_HOSTS: 'push.example.com, *.push.example.net',
      WEBHOOK_URL: 'https://host.example/hooks',
      WEBHOOK_SECRET: 'a-secret-of-enough-length',
      WEBHOOK_EVENTS: 'notification,message.created',
      NOTIFICATIONS_REQUEST_TIMEOUT_MS: '3000',
      NOTIFICATIONS_CONCURRENCY: '4',
    });
    expect(config.notifications).toEqual({
      fcm: { serviceAccountFile: file, apiUrl: 'https://fcm.example' },
      webPush: { vapidPublicKey: vapid.publicKey, vapidPrivateKey: vapid.privateKey, subject: 'mailto:ops@example.com', allowedHosts: ['push.example.com', '*.push.example.net'] },
      webhook: { url: 'https://host.example/hooks', secret: 'a-secret-of-enough-length', events: ['notification', 'message.created'] },
      delivery: { requestTimeoutMs: 3000, concurrency: 4 },
    });
  });

  it.each([
    [{ FCM_SERVICE_ACCOUNT_FILE: '/nonexistent/sa.json' }, /cannot read the FCM service account file/],
    [{ FCM_API_URL: 'https://fcm.example' }, /FCM_API_URL is set but FCM_SERVICE_ACCOUNT_FILE is not/],
    [{ WEBPUSH_VAPID_PUBLIC_KEY: vapid.publicKey }, /vapidPublicKey, vapidPrivateKey and subject together/],
    [{ WEBPUSH_VAPID_PUBLIC_KEY: 'short', WEBPUSH_VAPID_PRIVATE_KEY: vapid.privateKey, WEBPUSH_SUBJECT: 'mailto:a@b.c' }, /vapidPublicKey must be the base64url/],
    [{ WEBPUSH_VAPID_PUBLIC_KEY: vapid.publicKey, WEBPUSH_VAPID_PRIVATE_KEY: vapid.privateKey, WEBPUSH_SUBJECT: 'ops' }, /subject must be a mailto: address or an https: URL/],
    [{ WEBPUSH_ALLOWED_HOSTS: 'https://push.example.com/' }, /is not a host name/],
    [{ WEBHOOK_URL: 'https://host.example/hooks' }, /WEBHOOK_SECRET is not/],
    [{ WEBHOOK_URL: 'ftp://host.example', WEBHOOK_SECRET: 'a-secret-of-enough-length' }, /WEBHOOK_URL\) must be an http\(s\) URL/],
    [{ WEBHOOK_URL: 'https://host.example', WEBHOOK_SECRET: 'a-secret-of-enough-length', WEBHOOK_EVENTS: 'message.sent' }, /unknown event message.sent/],
    [{ WEBHOOK_SECRET: 'a-secret-of-enough-length' }, /WEBHOOK_URL is not/],
    [{ NOTIFICATIONS_CONCURRENCY: '0' }, /NOTIFICATIONS_CONCURRENCY must be a positive whole number/],
  ])('refuses %j', (env, message) => {
    expect(() => loadConfig(env as NodeJS.ProcessEnv)).toThrow(message);
  });

  it('takes any non-empty webhook secret (API.md sets no length: a short one is the host’s choice, not a start-up failure)', () => {
    for (const secret of ['s', 'test-secret', 'whsec_test']) {
      expect(loadConfig({ WEBHOOK_URL: 'http://127.0.0.1:9/hooks', WEBHOOK_SECRET: secret } as NodeJS.ProcessEnv).notifications.webhook).toEqual({ url: 'http://127.0.0.1:9/hooks', secret });
    }
  });

  it('stops the server before it starts, with the message', () => {
    const main = process.env.PARLEY_FAULT_SERVER_MAIN ?? SERVER_MAIN;
    if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first (npm test does)`);
    const { NODE_OPTIONS: _jestOnly, ...inherited } = process.env;
    const result = spawnSync(process.execPath, [main], { env: { ...inherited, DATA_DIR: 'memory://', WEBHOOK_URL: 'https://host.example/hooks' }, encoding: 'utf8', timeout: 20_000 });
    expect(result.status).toBe(1);
    expect(result.stderr + result.stdout).toContain('WEBHOOK_URL is set but WEBHOOK_SECRET is not');
  });
});
