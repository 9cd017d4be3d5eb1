import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An RSA signing key as an identity provider holds it: the private PEM to sign, the public JWK it publishes. */
export interface TestSigningKey {
  kid: string;
  privatePem: string;
  publicPem: string;
  jwk: Record<string, unknown>;
}

export function rsaSigningKey(kid: string): TestSigningKey {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    kid,
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' },
  };
}

/** An identity provider's JWKS endpoint on 127.0.0.1: serves the public JWKs of `keys` and counts the fetches. */
export class JwksEndpoint {
  keys: TestSigningKey[] = [];
  fetches = 0;
  private readonly server: Server = createServer((_request, response) => {
    this.fetches++;
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ keys: this.keys.map((key) => key.jwk) }));
  });

  /** Listens on a free port; resolves with the JWKS URL. */
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/.well-known/jwks.json`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}
