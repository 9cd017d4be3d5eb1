/** Query parameters whose values are credentials. */
const SECRET_PARAMETERS = new Set(['token', 'access_token', 'accesstoken', 'auth', 'authorization', 'jwt', 'key', 'api_key', 'apikey', 'password', 'refresh_token']);

const REDACTED = '[Redacted]';

/**
 * pino-http's request serializer: the logged request without the values of credential query parameters (in its
 * `url` and `query`). Headers are redacted by pino's `redact` paths.
 */
export function redactRequestUrl<T extends { url?: string; query?: Record<string, unknown> }>(request: T): T {
  const logged = { ...request };
  if (typeof logged.url === 'string' && logged.url.includes('?')) {
    const [path, search] = [logged.url.slice(0, logged.url.indexOf('?')), logged.url.slice(logged.url.indexOf('?') + 1)];
    const parameters = search.split('&').map((pair) => {
      const name = pair.split('=')[0];
      return SECRET_PARAMETERS.has(safeDecode(name).toLowerCase()) ? `${name}=${REDACTED}` : pair;
    });
    logged.url = `${path}?${parameters.join('&')}`;
  }
  if (logged.query && typeof logged.query === 'object') {
    logged.query = Object.fromEntries(Object.entries(logged.query).map(([name, value]) => [name, SECRET_PARAMETERS.has(name.toLowerCase()) ? REDACTED : value]));
  }
  return logged;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
