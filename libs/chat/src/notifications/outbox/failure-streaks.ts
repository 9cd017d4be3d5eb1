import type { Logger } from '@nestjs/common';

interface Streak {
  /** Failing deliveries (id → when they last failed) not yet sent or given up. */
  failing: Map<string, number>;
  attempts: number;
  dropped: number;
  since: number;
}

/**
 * Logs a failing channel once per streak, not once per attempt: a warning when a channel's first delivery fails, then
 * nothing until every delivery that failed on it has been sent or given up, when one line says how long it lasted,
 * how many attempts failed and how many deliveries were dropped. A delivery another node took over (and this node
 * never sees again) stops counting after `forgetAfterMs`.
 */
export class FailureStreaks {
  private readonly streaks = new Map<string, Streak>();

  constructor(
    private readonly logger: Logger,
    private readonly forgetAfterMs: number,
  ) {}

  failed(channel: string, deliveryId: string, reason: string): void {
    const streak = this.streak(channel, () => this.logger.warn(`${label(channel)} deliveries are failing: ${reason}; retrying with backoff (logged again when they work)`));
    streak.failing.set(deliveryId, Date.now());
    streak.attempts++;
  }

  /** A delivery given up (too old, or refused for good). */
  dropped(channel: string, deliveryId: string, reason: string): void {
    const streak = this.streak(channel, () => undefined);
    if (streak.dropped === 0) this.logger.error(`${label(channel)} delivery given up: ${reason} (further ones are counted until deliveries work again)`);
    streak.dropped++;
    streak.failing.delete(deliveryId);
    this.settle(channel, streak);
  }

  succeeded(channel: string, deliveryId: string): void {
    const streak = this.streaks.get(channel);
    if (!streak) return;
    streak.failing.delete(deliveryId);
    this.settle(channel, streak);
  }

  private streak(channel: string, started: () => void): Streak {
    let streak = this.streaks.get(channel);
    if (!streak) {
      streak = { failing: new Map(), attempts: 0, dropped: 0, since: Date.now() };
      this.streaks.set(channel, streak);
      started();
    }
    return streak;
  }

  private settle(channel: string, streak: Streak): void {
    const stale = Date.now() - this.forgetAfterMs;
    for (const [id, at] of streak.failing) if (at < stale) streak.failing.delete(id);
    if (streak.failing.size > 0) return;
    this.streaks.delete(channel);
    if (streak.attempts > 0) {
      this.logger.log(`${label(channel)} deliveries work again after ${Math.round((Date.now() - streak.since) / 1000)} s: ${streak.attempts} failed attempts, ${streak.dropped} deliveries given up`);
    }
  }
}

function label(channel: string): string {
  return channel === 'fcm' ? 'FCM' : channel === 'webpush' ? 'Web Push' : channel === 'webhook' ? 'Webhook' : `Notification driver "${channel.replace(/^driver:/, '')}"`;
}
