import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { ChatError } from './chat-error';
import { jsonShapeProblem } from './json-shape';

/**
 * Validates a socket event's payload with the same DTO classes and rules as HTTP (unknown fields rejected, the
 * depth and key checks of ChatValidationPipe before class-transformer sees the payload), for transports where
 * Nest's ValidationPipe would answer through an `exception` event instead of the ack.
 * Synchronous: the DTOs have no async rules, and every `message.send` passes here (the promise-based `validate`
 * cost a measurable share of the server's CPU in the fan-out benchmark).
 */
export function validatePayload<T extends object>(type: ClassConstructor<T>, payload: unknown): T {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new ChatError('INVALID_INPUT', 'The payload must be a JSON object');
  }
  const problem = jsonShapeProblem(payload);
  if (problem) throw new ChatError('INVALID_INPUT', problem);
  const instance = plainToInstance(type, payload);
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) throw new ChatError('INVALID_INPUT', messagesOf(errors).join('; '));
  return instance;
}

function messagesOf(errors: ValidationError[]): string[] {
  return errors.flatMap((error) => [...Object.values(error.constraints ?? {}), ...messagesOf(error.children ?? [])]);
}
