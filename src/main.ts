import 'reflect-metadata';
import { Logger, type INestApplication } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { symbols } from 'pino';
import { createApp } from './bootstrap';
import { loadConfig } from './config/app-config';
import { startLine } from './start-line';

/** How long past SHUTDOWN_TIMEOUT_MS the process may take to release its last resources before it exits anyway. */
const EXIT_GRACE_MS = 1000;
const SHUTDOWN_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  new Logger('Parley').log(startLine(config, app.getHttpServer().address()));
  closeOnSignals(app, config.shutdownTimeoutMs);
}

/**
 * SIGTERM or SIGINT closes the application in order (stop accepting, finish in-flight work with its events and
 * acks, close; see the README's Operations section): in-flight work gets `timeoutMs` (SHUTDOWN_TIMEOUT_MS), after
 * which the remaining connections are cut. The process then ends by the same signal, the conventional exit of a
 * process asked to stop; if the shutdown is still not over `EXIT_GRACE_MS` later (a hook that hangs), it exits
 * with code 1. A repeated signal does not cut the shutdown short.
 */
function closeOnSignals(app: INestApplication, timeoutMs: number): void {
  const logger = new Logger('Shutdown');
  let started = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (started) {
      logger.warn(`${signal} received again: the shutdown started ${Date.now() - started} ms ago and ends within ${timeoutMs + EXIT_GRACE_MS} ms`);
      return;
    }
    started = Date.now();
    logger.log(`Shutdown: ${signal} received; in-flight work has ${timeoutMs} ms (SHUTDOWN_TIMEOUT_MS)`);
    const force = setTimeout(() => {
      logger.error(`Shutdown: still not over ${Date.now() - started} ms after ${signal}; exiting now`);
      process.exit(1);
    }, timeoutMs + EXIT_GRACE_MS);
    force.unref();
    app.close().then(
      () => {
        logger.log(`Shutdown: exit, ${Date.now() - started} ms after ${signal}`);
        for (const name of SHUTDOWN_SIGNALS) process.removeListener(name, onSignal);
        afterLogsWritten(() => process.kill(process.pid, signal));
      },
      (error: unknown) => {
        logger.error(`Shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, onSignal);
}

/**
 * pino writes to stdout asynchronously (sonic-boom), and a signal ends the process without the `exit` event on which
 * pino flushes: so the last lines are written out here first. `flush()` does not wait for a write already under way
 * when the stream has no `minLength` (pino's default), hence the wait for it before `flushSync()`.
 */
function afterLogsWritten(done: () => void): void {
  const stream = (PinoLogger.root as unknown as Record<symbol, unknown> | undefined)?.[symbols.streamSym] as { _writing?: boolean; flushSync?: () => void } | undefined;
  const settle = (): void => {
    if (stream?._writing) return void setImmediate(settle);
    try {
      stream?.flushSync?.();
    } catch {
      // Not a sonic-boom stream, or nothing to flush.
    }
    done();
  };
  settle();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
