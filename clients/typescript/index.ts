/**
 * A typed client of the Parley HTTP API, generated from its OpenAPI document (`npm run client:generate`):
 * `openapi.json` is the document, `schema.ts` its types (openapi-typescript), and requests go through
 * openapi-fetch, so paths, parameters, bodies and responses are all checked by the compiler.
 *
 * ```ts
 * const chat = createParleyClient({ baseUrl: 'https://chat.example.com', token: () => session.accessToken });
 * const { data, error } = await chat.POST('/api/v1/chat/rooms', { body: { type: 'group', title: 'Team', memberIds: [] } });
 * ```
 */
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, paths } from './schema';

export type { components, operations, paths } from './schema';

/** Every schema of the document by name: `ParleySchemas['RoomResponse']`. */
export type ParleySchemas = components['schemas'];
/** The body of every error response. */
export type ParleyError = components['schemas']['ErrorResponse'];
export type ParleyClient = Client<paths>;

export interface ParleyClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** Where the server is, without a trailing slash: `https://chat.example.com`. */
  baseUrl: string;
  /** The bearer token, or a function that returns the current one (called for every request). */
  token?: string | (() => string | Promise<string>);
}

export function createParleyClient({ token, ...options }: ParleyClientOptions): ParleyClient {
  const client = createClient<paths>(options);
  if (token !== undefined) {
    client.use({
      async onRequest({ request }) {
        request.headers.set('Authorization', `Bearer ${typeof token === 'function' ? await token() : token}`);
        return request;
      },
    });
  }
  return client;
}
