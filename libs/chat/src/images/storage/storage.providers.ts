import { Logger, type Provider } from '@nestjs/common';
import { ChatConfig } from '../../common/chat-config';
import { CHAT_STORAGE_DRIVER, type ChatStorageDriver } from './chat-storage-driver';
import { LocalFolderStorage } from './local-folder-storage';
import { MemoryStorage } from './memory-storage';

/** The host's `storage` driver; else a local folder at `images.directory`; else memory, with a warning. */
export const storageDriverProvider: Provider = {
  provide: CHAT_STORAGE_DRIVER,
  inject: [ChatConfig],
  useFactory: (config: ChatConfig): ChatStorageDriver => {
    if (config.options.storage) return config.options.storage;
    if (config.images.directory) return new LocalFolderStorage(config.images.directory);
    new Logger('ChatModule').warn('Images are kept in memory and lost on restart: set `images.directory` or a `storage` driver to keep them.');
    return new MemoryStorage();
  },
};
