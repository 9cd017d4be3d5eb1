import { Injectable, Logger } from '@nestjs/common';
import { describeError } from '../common/error-summary';
import type { ChatEvent, ChatEventMap, ChatEventName } from './chat-events';

type Listener<K extends ChatEventName> = (payload: ChatEventMap[K]) => void;
type AnyListener = (event: ChatEvent) => void;

/**
 * The in-process bus between the services (which publish after commit) and the realtime layer or a host app
 * (which subscribe). Listeners run synchronously in subscription order; one that throws is logged and never
 * fails the change that published the event (it has already committed) nor the other listeners.
 */
@Injectable()
export class ChatEventBus {
  private readonly logger = new Logger('ChatEventBus');
  private readonly listeners = new Map<ChatEventName, Set<Listener<never>>>();
  private readonly anyListeners = new Set<AnyListener>();

  publish<K extends ChatEventName>(name: K, payload: ChatEventMap[K]): void {
    for (const listener of this.anyListeners) this.call(name, () => listener({ name, payload } as ChatEvent));
    for (const listener of this.listeners.get(name) ?? []) this.call(name, () => (listener as Listener<K>)(payload));
  }

  /** Listens to one kind of event; returns the function that stops listening. */
  on<K extends ChatEventName>(name: K, listener: Listener<K>): () => void {
    const set = this.listeners.get(name) ?? new Set();
    this.listeners.set(name, set);
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  /** Listens to every event; returns the function that stops listening. */
  onAny(listener: AnyListener): () => void {
    this.anyListeners.add(listener);
    return () => this.anyListeners.delete(listener);
  }

  private call(name: ChatEventName, run: () => void): void {
    try {
      run();
    } catch (error) {
      this.logger.error(`A listener of ${name} failed: ${describeError(error)}`);
    }
  }
}
