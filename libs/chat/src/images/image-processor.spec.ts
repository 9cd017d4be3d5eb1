import sharp from 'sharp';
import { ChatConfig } from '../common/chat-config';
import { ImageProcessor } from './image-processor';

const processorWith = (images: { maxPixels?: number; thumbnailSize?: number } = {}) =>
  new ImageProcessor(new ChatConfig({ jwt: { secret: 'unit' }, images }));
const frame = (background: string) => sharp({ create: { width: 40, height: 30, channels: 3, background } }).png().toBuffer();

describe(ImageProcessor.name, () => {
  it('counts every frame of an animation against the pixel limit', async () => {
    const frames = await Promise.all([frame('#f00'), frame('#00f')]);
    const animated = await sharp(frames, { join: { animated: true } }).gif().toBuffer();
    const still = await sharp(frames[0]).gif().toBuffer();
    const processor = processorWith({ maxPixels: 2000 });
    await expect(processor.process(still)).resolves.toMatchObject({ width: 40, height: 30 });
    await expect(processor.process(animated)).rejects.toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    await expect(processorWith().process(animated)).resolves.toMatchObject({ width: 40, height: 30, format: { mimeType: 'image/gif' } });
  });

  it('refuses formats the decoder knows but the module does not accept (TIFF) with 415', async () => {
    const tiff = await sharp(await frame('#0f0')).tiff().toBuffer();
    await expect(processorWith().process(tiff)).rejects.toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it('makes the thumbnail with the configured longest side and a content hash of the served bytes', async () => {
    const input = await sharp({ create: { width: 400, height: 100, channels: 3, background: '#abc' } }).jpeg().toBuffer();
    const result = await processorWith({ thumbnailSize: 100 }).process(input);
    expect(await sharp(result.thumbnail).metadata()).toMatchObject({ format: 'webp', width: 100, height: 25 });
    expect(result.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses an empty file with 400', async () => {
    await expect(processorWith().process(Buffer.alloc(0))).rejects.toMatchObject({ status: 400, code: 'INVALID_INPUT' });
  });
});
