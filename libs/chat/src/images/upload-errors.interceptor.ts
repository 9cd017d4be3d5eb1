import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpException, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Observable, catchError, race, throwError } from 'rxjs';
import { ChatConfig } from '../common/chat-config';
import { ChatError } from '../common/chat-error';
import { closeAfterResponse, maxUploadBodyBytes, onBodyTooLarge } from './upload-size';

/**
 * Gives the errors of the multipart parser (Nest's FileInterceptor, bound inside this one) the module's codes
 * and messages: a file over the size limit, found while it streams in, is 413 PAYLOAD_TOO_LARGE; a body that is
 * not multipart/form-data is 415; extra fields or files, or a malformed body, are 400 INVALID_INPUT.
 *
 * An oversize upload is answered as soon as it is known to be one: at once when its Content-Length says so, else
 * when its body passes the limit (plus the multipart framing) while it streams in (see `countingStreamHandler`),
 * without waiting for the body to end; the connection is closed once the 413 has gone out.
 */
@Injectable()
export class UploadErrorsInterceptor implements NestInterceptor {
  constructor(private readonly config: ChatConfig) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<IncomingMessage>();
    const response = context.switchToHttp().getResponse<ServerResponse>();
    const tooLarge = () => {
      closeAfterResponse(request, response);
      return this.tooLarge();
    };
    if (Number(request.headers['content-length']) > maxUploadBodyBytes(this.config.images.maxUploadBytes)) return throwError(tooLarge);
    // Subscribed first, so it listens before the multipart parser starts reading.
    const bodyTooLarge = new Observable<never>((subscriber) => onBodyTooLarge(request, () => subscriber.error(tooLarge())));
    return race(bodyTooLarge, next.handle()).pipe(catchError((error: unknown) => throwError(() => this.translate(error))));
  }

  private tooLarge(): ChatError {
    return new ChatError('PAYLOAD_TOO_LARGE', `The file is larger than the upload limit of ${this.config.images.maxUploadBytes} bytes`);
  }

  private translate(error: unknown): unknown {
    if (error instanceof ChatError || !(error instanceof HttpException)) return error;
    switch (error.getStatus()) {
      case 413:
        return this.tooLarge();
      case 415:
        return new ChatError('UNSUPPORTED_MEDIA_TYPE', 'Send the image as multipart/form-data');
      case 400:
        return new ChatError('INVALID_INPUT', `Send one image in the multipart field \`file\` and nothing else (${error.message})`);
      default:
        return error;
    }
  }
}
