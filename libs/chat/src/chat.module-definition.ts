import { ConfigurableModuleBuilder } from '@nestjs/common';
import { DEFAULT_CHAT_PATH, type ChatModuleExtras, type ChatModuleOptions } from './chat.options';

export const {
  ConfigurableModuleClass: ConfigurableChatModule,
  MODULE_OPTIONS_TOKEN: CHAT_MODULE_OPTIONS,
  OPTIONS_TYPE: CHAT_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: CHAT_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<ChatModuleOptions>({ moduleName: 'Chat', optionsInjectionToken: Symbol('CHAT_MODULE_OPTIONS') })
  .setClassMethodName('forRoot')
  .setExtras<ChatModuleExtras>({ path: DEFAULT_CHAT_PATH }, (definition) => definition)
  .build();

/** The `path` the module was mounted at, for the links it serves (image URLs); provided by `ChatModule`. */
export const CHAT_MODULE_PATH = Symbol('CHAT_MODULE_PATH');
