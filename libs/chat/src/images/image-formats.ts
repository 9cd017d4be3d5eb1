/** The image types the module accepts, as detected from the bytes, with the format sharp reports for each. */
export const IMAGE_FORMATS = [
  { mimeType: 'image/png', extension: 'png', sharpFormat: 'png', animated: false },
  { mimeType: 'image/jpeg', extension: 'jpg', sharpFormat: 'jpeg', animated: false },
  { mimeType: 'image/webp', extension: 'webp', sharpFormat: 'webp', animated: true },
  { mimeType: 'image/gif', extension: 'gif', sharpFormat: 'gif', animated: true },
] as const;

export type ImageFormat = (typeof IMAGE_FORMATS)[number];
export type ImageMimeType = ImageFormat['mimeType'];

export const IMAGE_MIME_TYPES: ImageMimeType[] = IMAGE_FORMATS.map((format) => format.mimeType);

/**
 * The accepted format of a MIME type detected by file-type. An animated PNG (`image/apng`) is a PNG whose first
 * frame every decoder shows; it is accepted and served as a still PNG.
 */
export function imageFormatOf(detectedMimeType: string | undefined): ImageFormat | undefined {
  const mimeType = detectedMimeType === 'image/apng' ? 'image/png' : detectedMimeType;
  return IMAGE_FORMATS.find((format) => format.mimeType === mimeType);
}

/** Thumbnails are always WebP. */
export const THUMBNAIL_MIME_TYPE = 'image/webp';
