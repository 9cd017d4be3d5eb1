import type { Api } from './api';
import { h } from './dom';
import type { Image } from './types';
import { icon } from './icons';

/**
 * Image files need the bearer token, which <img src> cannot send: they are fetched with it and shown through
 * blob: URLs (allowed by the page's CSP), cached per URL for the session.
 */
export class ImageCache {
  private readonly urls = new Map<string, Promise<string>>();

  constructor(private readonly api: Api) {}

  objectUrl(path: string): Promise<string> {
    let url = this.urls.get(path);
    if (!url) {
      url = this.api.blob(path).then((blob) => URL.createObjectURL(blob));
      url.catch(() => this.urls.delete(path));
      this.urls.set(path, url);
    }
    return url;
  }

  /** An <img> of the thumbnail, sized from the image's own dimensions so the list does not jump as it loads. */
  thumbnail(image: Image, alt: string, box = 240): HTMLImageElement {
    const scale = Math.min(1, box / Math.max(image.width, image.height));
    const img = h('img', {
      class: 'thumb',
      alt,
      width: Math.max(1, Math.round(image.width * scale)),
      height: Math.max(1, Math.round(image.height * scale)),
      'data-image-id': image.id,
    });
    this.objectUrl(image.thumbnailUrl).then(
      (url) => (img.src = url),
      () => img.classList.add('thumb-failed'),
    );
    return img;
  }

  /** Shows the full image in a modal viewer. */
  async open(image: Image, alt: string): Promise<void> {
    const full = h('img', { class: 'viewer-image', alt, width: image.width, height: image.height });
    const close = h('button', { type: 'button', class: 'viewer-close', 'aria-label': 'Close image' }, icon('close', 20));
    const dialog = h('dialog', { class: 'viewer', 'aria-label': alt }, close, full);
    close.addEventListener('click', () => dialog.close());
    dialog.addEventListener('click', (event) => {
      if (event.target === dialog) dialog.close();
    });
    dialog.addEventListener('close', () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();
    close.focus();
    full.src = await this.objectUrl(image.url);
  }

  clear(): void {
    for (const url of this.urls.values()) url.then((u) => URL.revokeObjectURL(u), () => undefined);
    this.urls.clear();
  }
}
