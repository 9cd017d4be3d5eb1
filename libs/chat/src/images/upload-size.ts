import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Writable } from 'node:stream';

/**
 * Room for the multipart framing around the one file part (boundaries and the part's headers, which busboy caps at
 * 16 KiB): a request body longer than the upload limit plus this cannot hold an acceptable file.
 */
export const MULTIPART_ALLOWANCE_BYTES = 64 * 1024;

/** Emitted on the request when its body passes the largest acceptable size. */
const BODY_TOO_LARGE = Symbol('parley.uploadBodyTooLarge');

/** The longest acceptable body of an upload request: the file limit plus the multipart framing. */
export function maxUploadBodyBytes(maxUploadBytes: number): number {
  return maxUploadBytes + MULTIPART_ALLOWANCE_BYTES;
}

/**
 * multer's `streamHandler`: feeds the request body to busboy as multer does by default, counting the bytes. multer
 * itself, once a file passes `limits.fileSize`, reads the body to its end before it answers (an endless upload is read
 * forever); here, as soon as the body passes `maxBodyBytes`, busboy is fed no more and the request emits
 * BODY_TOO_LARGE, on which `UploadErrorsInterceptor` answers 413 at once.
 */
export function countingStreamHandler(maxBodyBytes: number): (request: IncomingMessage, busboy: Writable) => void {
  return (request, busboy) => {
    let received = 0;
    const count = (chunk: Buffer) => {
      received += chunk.length;
      if (received <= maxBodyBytes) return;
      request.off('data', count);
      request.unpipe(busboy);
      request.emit(BODY_TOO_LARGE);
    };
    // Both in the same tick: the body starts flowing on the next one, to both.
    request.on('data', count);
    request.pipe(busboy);
  };
}

/** Calls `listener` when the request's body passes the limit; returns the function that stops listening. */
export function onBodyTooLarge(request: IncomingMessage, listener: () => void): () => void {
  request.once(BODY_TOO_LARGE, listener);
  return () => request.off(BODY_TOO_LARGE, listener);
}

/**
 * Closes the connection of an oversize upload once the 413 has gone out, so the rest of its body is never read (Node
 * would otherwise read it to its end to keep the connection alive). Nest's FileInterceptor does the same when a
 * response is sent while multer is still reading.
 */
export function closeAfterResponse(request: IncomingMessage, response: ServerResponse): void {
  if (response.writableFinished) request.socket.destroy();
  else response.once('finish', () => request.socket.destroy());
}
