const MAX_BASE_LENGTH = 100;

/**
 * The name an image is served under: the uploaded name's last path segment, without control characters, path
 * separators, quotes or characters Windows refuses, shortened, and with the extension of its real type (a JPEG
 * uploaded as `x.png` is served as `x.jpg`).
 */
export function servedFileName(uploadedName: string | undefined, extension: string): string {
  const base = (uploadedName ?? '')
    .normalize('NFC')
    .split(/[\\/]/)
    .pop()!
    .replace(/[\p{Cc}\p{Cf}"*:<>?|;]/gu, '')
    .replace(/\.[^.]*$/, '')
    .trim();
  const short = [...base].slice(0, MAX_BASE_LENGTH).join('').trim().replace(/^\.+/, '');
  return `${short || 'image'}.${extension}`;
}

/**
 * `Content-Disposition: inline` with the name twice: an ASCII fallback in `filename` and the exact name in
 * `filename*` (RFC 6266 / RFC 8187), so no client sees a broken header or a name it would misread.
 */
export function inlineDisposition(fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `inline; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
