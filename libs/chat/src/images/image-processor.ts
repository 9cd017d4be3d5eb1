import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
// file-type is ESM-only. A static import compiles to require(), which loads ES modules on every Node version the
// package supports (^20.19, >=22.12), exactly as for the ESM-only @nestjs/* packages; under Jest, @swc/jest
// transpiles it to CommonJS like them (see jest.config.js). `await import()` would work too, but would load a
// second, ESM copy of the package under Jest, and only with --experimental-vm-modules.
// `file-type/core`: file-type 21 (the last major that runs on Node 20) offers its main entry to Node only under the
// `import` and `module-sync` conditions, which Jest's resolver does not know, so a host's Jest could not find it;
// its `core` entry is a plain one, and holds all the chat needs (detection from a buffer).
import { fileTypeFromBuffer } from 'file-type/core';
import sharp, { type Metadata, type Sharp } from 'sharp';
import { ChatConfig } from '../common/chat-config';
import { ChatError } from '../common/chat-error';
import { imageFormatOf, type ImageFormat } from './image-formats';

/** An upload made safe to serve: re-encoded without metadata, EXIF orientation applied, with its thumbnail. */
export interface ProcessedImage {
  format: ImageFormat;
  data: Buffer;
  width: number;
  /** Of one frame, for animations. */
  height: number;
  sha256: string;
  thumbnail: Buffer;
}

const undecodable = (): ChatError => new ChatError('INVALID_INPUT', 'The image could not be decoded: the file is damaged or truncated');

/**
 * Turns uploaded bytes into what is stored and served. Order matters, cheapest refusal first:
 * 1. the type is sniffed from the bytes (415 for anything but PNG, JPEG, WebP and GIF: SVG, which can carry
 *    scripts, never reaches a decoder);
 * 2. the pixel count is read from the header alone and checked against `maxPixels` (413), so a small file that
 *    would decode to gigabytes (a 20000×20000 one-colour PNG is a few kilobytes) costs a header read;
 * 3. only then is it decoded, with sharp's own pixel limit as a second guard and `failOn: 'error'` so a truncated
 *    or corrupt file is refused (400) instead of served half grey.
 * The output is re-encoded, which drops every piece of metadata (EXIF with GPS position, XMP, comments): sharp
 * writes none unless asked to.
 */
@Injectable()
export class ImageProcessor {
  constructor(private readonly config: ChatConfig) {}

  async process(input: Buffer): Promise<ProcessedImage> {
    if (input.length === 0) throw new ChatError('INVALID_INPUT', 'The file is empty');
    const format = imageFormatOf((await fileTypeFromBuffer(input))?.mime);
    if (!format) throw new ChatError('UNSUPPORTED_MEDIA_TYPE', 'Only PNG, JPEG, WebP and GIF images are accepted (the type is read from the bytes)');
    const header = await this.readHeader(input, format);
    const frames = format.animated ? (header.pages ?? 1) : 1;
    const { maxPixels, thumbnailSize } = this.config.images;
    if (header.width * header.height * frames > maxPixels) {
      throw new ChatError('PAYLOAD_TOO_LARGE', `The image has more than ${maxPixels} pixels (width × height × frames)`);
    }
    try {
      const animated = frames > 1;
      const { data, info } = await this.encode(this.decoder(input, animated, !animated), format).toBuffer({ resolveWithObject: true });
      const thumbnail = await this.decoder(input, false, true)
        .resize({ width: thumbnailSize, height: thumbnailSize, fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 80 })
        .toBuffer();
      return {
        format,
        data,
        width: info.width,
        height: info.pageHeight ?? info.height,
        sha256: createHash('sha256').update(data).digest('hex'),
        thumbnail,
      };
    } catch (error) {
      if (error instanceof Error && /pixel limit/i.test(error.message)) {
        throw new ChatError('PAYLOAD_TOO_LARGE', `The image has more than ${maxPixels} pixels`);
      }
      throw undecodable();
    }
  }

  /** Reads the header only; sharp's pixel limit is off here because the check above reports it better. */
  private async readHeader(input: Buffer, format: ImageFormat): Promise<Metadata & { width: number; height: number }> {
    let header: Metadata;
    try {
      header = await sharp(input, { limitInputPixels: false, failOn: 'error' }).metadata();
    } catch {
      throw undecodable();
    }
    // file-type and libvips sniff independently; a file they disagree on is not what it claims to be.
    if (header.format !== format.sharpFormat || !header.width || !header.height) throw undecodable();
    return header as Metadata & { width: number; height: number };
  }

  /**
   * `orient`: apply the EXIF orientation (so width and height are as displayed) and drop the tag. Animations are
   * left as they are: libvips turns multi-page images by 180° only, and GIF has no EXIF.
   */
  private decoder(input: Buffer, animated: boolean, orient: boolean): Sharp {
    const image = sharp(input, { limitInputPixels: this.config.images.maxPixels, failOn: 'error', animated });
    return orient ? image.rotate() : image;
  }

  /** Same format out as in: clients asked for a PNG, JPEG, WebP or GIF and get one. */
  private encode(image: Sharp, format: ImageFormat): Sharp {
    switch (format.sharpFormat) {
      case 'png':
        return image.png();
      case 'jpeg':
        return image.jpeg({ quality: 90 });
      case 'webp':
        return image.webp({ quality: 90 });
      case 'gif':
        return image.gif();
    }
  }
}
