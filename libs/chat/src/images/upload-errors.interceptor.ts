import { HttpException, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { catchError, throwError, type Observable } from 'rxjs';
import { ChatConfig } from '../common/chat-config';
import { ChatError } from '../common/chat-error';

/**
 * Gives the errors of the multipart parser (Nest's FileInterceptor, bound inside this one) the module's codes
 * and messages: a file over the size limit, found while it streams in, is 413 PAYLOAD_TOO_LARGE; a body that is
 * not multipart/form-data is 415; extra fields or files, or a malformed body, are 400 INVALID_INPUT.
 */
@Injectable()
export class UploadErrorsInterceptor implements NestInterceptor {
  constructor(private readonly config: ChatConfig) {}

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(catchError((error: unknown) => throwError(() => this.translate(error))));
  }

  private translate(error: unknown): unknown {
    if (error instanceof ChatError || !(error instanceof HttpException)) return error;
    switch (error.getStatus()) {
      case 413:
        return new ChatError('PAYLOAD_TOO_LARGE', `The file is larger than the upload limit of ${this.config.images.maxUploadBytes} bytes`);
      case 415:
        return new ChatError('UNSUPPORTED_MEDIA_TYPE', 'Send the image as multipart/form-data');
      case 400:
        return new ChatError('INVALID_INPUT', `Send one image in the multipart field \`file\` and nothing else (${error.message})`);
      default:
        return error;
    }
  }
}
