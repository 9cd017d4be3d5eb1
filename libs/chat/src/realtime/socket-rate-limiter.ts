import { Injectable } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { ChatConfig } from '../common/chat-config';
import { ChatError } from '../common/chat-error';

const DEFAULT_EVENTS_PER_SECOND = 20;

/**
 * Per-socket limit on client events (HTTP has @nestjs/throttler; Socket.IO events need their own). A token
 * bucket of `eventsPerSecond`, with bursts of twice that; beyond it the event is refused with 429.
 */
@Injectable()
export class SocketRateLimiter {
  private readonly limiter: RateLimiterMemory;

  constructor(config: ChatConfig) {
    const perSecond = config.options.realtime?.eventsPerSecond ?? DEFAULT_EVENTS_PER_SECOND;
    this.limiter = new RateLimiterMemory({ points: perSecond * 2, duration: 2 });
  }

  async consume(socketId: string): Promise<void> {
    try {
      await this.limiter.consume(socketId);
    } catch (error) {
      if (error instanceof RateLimiterRes) {
        throw new ChatError('RATE_LIMITED', `Too many events: retry in ${Math.ceil(error.msBeforeNext / 1000)} s`);
      }
      throw error;
    }
  }

  forget(socketId: string): void {
    void this.limiter.delete(socketId);
  }
}
