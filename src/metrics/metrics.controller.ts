import { createHash, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ChatError } from '@parley/chat';
import type { Response } from 'express';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ServerMetrics } from './server-metrics';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * `GET /metrics`: Prometheus text format (`text/plain; version=0.0.4`). Open unless METRICS_TOKEN is set; then it
 * needs `Authorization: Bearer <METRICS_TOKEN>` (compared in constant time) and answers 401 otherwise. Not part
 * of the chat API, so not in the OpenAPI document.
 */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  private readonly token: Buffer | null;

  constructor(
    private readonly metrics: ServerMetrics,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.token = config.metricsToken ? digest(config.metricsToken) : null;
  }

  @Get()
  async scrape(@Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) response: Response): Promise<string> {
    if (this.token) {
      const given = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
      if (!given || !timingSafeEqual(digest(given), this.token)) {
        response.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
        throw new ChatError('UNAUTHENTICATED', 'GET /metrics needs the bearer token METRICS_TOKEN');
      }
    }
    response.setHeader('Content-Type', this.metrics.contentType);
    response.setHeader('Cache-Control', 'no-store');
    return this.metrics.text();
  }
}
