import { Injectable } from '@nestjs/common';

/** In-process wake-ups between the notification loops: new outbox rows, new deliveries. */
@Injectable()
export class NotificationSignals {
  private readonly outboxListeners = new Set<() => void>();
  private readonly deliveryListeners = new Set<() => void>();

  outboxWritten(): void {
    for (const listener of this.outboxListeners) listener();
  }

  deliveriesWritten(): void {
    for (const listener of this.deliveryListeners) listener();
  }

  onOutbox(listener: () => void): () => void {
    this.outboxListeners.add(listener);
    return () => this.outboxListeners.delete(listener);
  }

  onDeliveries(listener: () => void): () => void {
    this.deliveryListeners.add(listener);
    return () => this.deliveryListeners.delete(listener);
  }
}
