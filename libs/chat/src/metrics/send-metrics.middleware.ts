import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ChatMetrics } from './chat-metrics';

/** `POST .../rooms/{roomId}/messages`, whatever the module's path, without its query. */
const SEND_PATH = /\/rooms\/[^/]+\/messages\/?$/;

/**
 * Counts the HTTP message sends (`createMessage`) by the status they were answered with, guards' and limits'
 * refusals included. Applied by ChatModule to the messages routes; other requests pass untouched.
 */
@Injectable()
export class SendMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: ChatMetrics) {}

  use(request: IncomingMessage & { originalUrl?: string }, response: ServerResponse, next: () => void): void {
    if (request.method === 'POST' && SEND_PATH.test((request.originalUrl ?? request.url ?? '').split('?')[0])) {
      response.once('finish', () => this.metrics.httpSendAnswered(response.statusCode));
    }
    next();
  }
}
