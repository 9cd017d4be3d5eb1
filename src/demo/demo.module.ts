import { Module, type DynamicModule } from '@nestjs/common';
import { DemoController } from './demo.controller';
import { DEMO_DIRECTORY } from './demo.constants';
import { demoDirectory } from './demo-assets';

/**
 * The demo web client of the standalone server, at `/`. Its bundle is built by `npm run build` (esbuild, see
 * scripts/build-demo.js) into `dist/demo`; the module only serves those files.
 */
@Module({})
export class DemoModule {
  static forRoot(directory: string = demoDirectory()): DynamicModule {
    return { module: DemoModule, controllers: [DemoController], providers: [{ provide: DEMO_DIRECTORY, useValue: directory }] };
  }
}
