import type { Readable } from 'node:stream';
import { StreamableFile } from '@nestjs/common';
import type { Response } from 'express';
import { inlineDisposition } from './image-file-name';

/** One of an image's files, ready to send: what the service hands the controller. */
export interface ImageDownload {
  contentType: string;
  size: number;
  /** Strong and quoted: the bytes behind an image id never change. */
  etag: string;
  fileName: string;
  /** Null when the client's copy, named by If-None-Match, is current: the answer is 304 without a body. */
  stream: Readable | null;
}

/** If-None-Match names `etag` (any of a list, weak or strong, or `*`). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/**
 * Sets the headers every image answer carries and returns the body. `private`: only the viewer may cache it;
 * `no-cache`: their cache asks again each time (a cheap 304) because access can end (a message deleted, a member
 * removed). `nosniff` keeps browsers to the declared type whatever the bytes look like.
 */
export function sendImage(response: Response, download: ImageDownload): StreamableFile | undefined {
  response.setHeader('ETag', download.etag);
  response.setHeader('Cache-Control', 'private, no-cache');
  response.setHeader('X-Content-Type-Options', 'nosniff');
  if (!download.stream) {
    response.status(304);
    return undefined;
  }
  return new StreamableFile(download.stream, {
    type: download.contentType,
    length: download.size,
    disposition: inlineDisposition(download.fileName),
  });
}
