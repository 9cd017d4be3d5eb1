import { Injectable } from '@nestjs/common';
import type { ChatNamespace } from './chat-socket';

/**
 * The `/chat` namespace, once the gateway is initialised. Services that emit hold this reference instead of
 * the gateway, so the gateway stays a thin transport adapter.
 */
@Injectable()
export class SocketServerRef {
  private current?: ChatNamespace;

  set(namespace: ChatNamespace): void {
    this.current = namespace;
  }

  /** The namespace, or undefined before the gateway is up (events then have nobody to reach). */
  get namespace(): ChatNamespace | undefined {
    return this.current;
  }
}
