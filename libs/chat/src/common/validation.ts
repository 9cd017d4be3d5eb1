import { BadRequestException, HttpException, ValidationPipe, createParamDecorator, type ArgumentMetadata, type ExecutionContext } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { ChatError } from './chat-error';
import { jsonShapeProblem } from './json-shape';

/**
 * The validation every chat route gets, whatever the host configured globally: unknown fields are rejected
 * (not silently dropped), query strings are converted to their declared types, bodies and queries nested too deep
 * or with a `__proto__` / `constructor` / `prototype` key are refused before class-transformer sees them (it
 * recurses, and it drops those keys without a word), and every refusal is a 400 with code `INVALID_INPUT` whose
 * `message` lists the problems, each naming its field. Socket events get the same rules from validatePayload.
 */
export class ChatValidationPipe extends ValidationPipe {
  constructor() {
    super({ whitelist: true, forbidNonWhitelisted: true, transform: true });
    const standard = this.createExceptionFactory();
    this.exceptionFactory = (errors: ValidationError[]) => withInvalidInputCode(standard(errors));
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query') {
      const problem = jsonShapeProblem(value);
      if (problem) throw new ChatError('INVALID_INPUT', problem);
    }
    return super.transform(value, metadata);
  }
}

/** Nest's validation error, with the chat's code added to its body. */
function withInvalidInputCode(error: unknown): unknown {
  if (!(error instanceof HttpException)) return error;
  const response = error.getResponse();
  return typeof response === 'object' && response !== null ? new BadRequestException({ ...response, code: 'INVALID_INPUT' }) : error;
}

export const chatValidationPipe = new ChatValidationPipe();

/**
 * For routes that take no body (`POST /rooms/{roomId}/mute`): a body with any field is 400, like an unknown field
 * anywhere else, instead of being ignored. No body, or `{}`, passes. Not a `@Body()`, so the OpenAPI document keeps
 * the route without a request body.
 */
export const NoBody = createParamDecorator((_data: unknown, context: ExecutionContext): undefined => {
  const body: unknown = context.switchToHttp().getRequest<{ body?: unknown }>().body;
  if (body === undefined || (typeof body === 'object' && body !== null && !Array.isArray(body) && Reflect.ownKeys(body).length === 0)) return undefined;
  const fields = typeof body === 'object' && body !== null && !Array.isArray(body) ? Object.keys(body).slice(0, 10) : [];
  throw new ChatError('INVALID_INPUT', fields.length > 0 ? fields.map((field) => `property ${field} should not exist`).join('; ') : 'This route takes no body');
});
