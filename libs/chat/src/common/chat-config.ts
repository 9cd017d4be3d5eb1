import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  DEFAULT_CHAT_IMAGE_OPTIONS,
  DEFAULT_CHAT_LIMITS,
  DEFAULT_CHAT_PATH,
  type ChatImageOptions,
  type ChatLimits,
  type ChatModuleOptions,
} from '../chat.options';
import { CHAT_MODULE_OPTIONS, CHAT_MODULE_PATH } from '../chat.module-definition';

/** The image options with their defaults; `directory` stays optional (unset: the bytes are kept in memory). */
export type ChatImageSettings = Required<Omit<ChatImageOptions, 'directory'>> & Pick<ChatImageOptions, 'directory'>;

/** Sizes are stored in 32-bit integer columns. */
const MAX_UPLOAD_BYTES = 2 ** 31 - 1;

/** The module options with every default filled in; what services read instead of the raw options. */
@Injectable()
export class ChatConfig {
  readonly limits: ChatLimits;
  readonly images: ChatImageSettings;
  /** Where the routes are mounted, without surrounding slashes (`api/v1/chat`), for the links the module serves. */
  readonly path: string;

  constructor(
    @Inject(CHAT_MODULE_OPTIONS) readonly options: ChatModuleOptions,
    @Optional() @Inject(CHAT_MODULE_PATH) path: string = DEFAULT_CHAT_PATH,
  ) {
    this.path = path.replace(/^\/+|\/+$/g, '');
    if (!options.authenticate && !options.jwt?.secret && !options.jwt?.publicKey && !options.jwt?.jwksUri) {
      throw new Error('ChatModule: give `jwt.secret`, `jwt.publicKey`, `jwt.jwksUri` or an `authenticate` function');
    }
    this.limits = { ...DEFAULT_CHAT_LIMITS, ...options.limits };
    if (this.limits.maxPageSize < 1 || this.limits.defaultPageSize > this.limits.maxPageSize) {
      throw new Error('ChatModule: limits.defaultPageSize must be between 1 and limits.maxPageSize');
    }
    this.images = { ...DEFAULT_CHAT_IMAGE_OPTIONS, ...withoutUndefined(options.images ?? {}) };
    for (const key of ['maxUploadBytes', 'maxPixels', 'thumbnailSize', 'maxImagesPerMessage'] as const) {
      if (!Number.isSafeInteger(this.images[key]) || this.images[key] < 1) throw new Error(`ChatModule: images.${key} must be a positive whole number`);
    }
    if (this.images.maxUploadBytes > MAX_UPLOAD_BYTES) throw new Error(`ChatModule: images.maxUploadBytes must be at most ${MAX_UPLOAD_BYTES}`);
  }

  /** The page size for a list request: the client's `limit`, else the default, never above the maximum. */
  pageSize(requested: number | undefined): number {
    return Math.min(requested ?? this.limits.defaultPageSize, this.limits.maxPageSize);
  }
}

/** `{ a: undefined }` keeps a default instead of replacing it (an unset environment variable, for instance). */
function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}
