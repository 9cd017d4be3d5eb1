import { ValidationPipe } from '@nestjs/common';

/**
 * The validation every chat route gets, whatever the host configured globally: unknown fields are rejected
 * (not silently dropped) and query strings are converted to their declared types. Socket events get the same
 * rules from validatePayload.
 */
export const chatValidationPipe = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
});
