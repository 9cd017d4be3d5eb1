import { Controller, Get, Inject, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { DEMO_DIRECTORY } from './demo.constants';
import { DEMO_FILES } from './demo-assets';

/** Serves the demo web client: the page at `/`, its service worker at `/sw.js`, its script and styles under `/demo/`. */
@ApiExcludeController()
@Controller()
export class DemoController {
  constructor(@Inject(DEMO_DIRECTORY) private readonly directory: string) {}

  @Get()
  index(@Res() response: Response): void {
    this.send(response, 'index.html');
  }

  /**
   * The service worker that shows Web Push notifications. Served from the root, so that its scope can be the whole
   * page (`/`), which a script under `/demo/` could not have.
   */
  @Get('sw.js')
  serviceWorker(@Res() response: Response): void {
    this.send(response, 'sw.js');
  }

  @Get('demo/:file')
  asset(@Param('file') file: string, @Res() response: Response): void {
    if (!Object.hasOwn(DEMO_FILES, file) || file === 'index.html' || file === 'sw.js') throw new NotFoundException();
    this.send(response, file);
  }

  /** Read on every request (with ETag/304), so a rebuilt client is served without a restart. */
  private send(response: Response, file: string): void {
    response.sendFile(file, { root: this.directory, headers: { 'Content-Type': DEMO_FILES[file], 'Cache-Control': 'no-cache' }, dotfiles: 'deny' }, (error) => {
      if (!error || response.headersSent) return;
      response
        .status(503)
        .type('text/plain')
        .send('The demo client is not built: run `npm run build` (or `npm run build:demo`).\n');
    });
  }
}
