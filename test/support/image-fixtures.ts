import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

/** Marker stored in a JPEG's GPS block, to prove it never reaches a served file. */
export const GPS_MARKER = 'PARLEY-SECRET-SPOT';

const solid = (width: number, height: number, background = '#3366cc') => sharp({ create: { width, height, channels: 3, background } });

export const pngImage = (width = 64, height = 32): Promise<Buffer> => solid(width, height).png().toBuffer();

export const webpImage = (width = 50, height = 40): Promise<Buffer> => solid(width, height, '#22aa44').webp().toBuffer();

/** Stored 64×32 with EXIF orientation 6 (displayed turned a quarter: 32×64), and a GPS position. */
export const jpegWithExif = (): Promise<Buffer> =>
  solid(64, 32, '#cc3333')
    .jpeg()
    .withExif({ IFD0: { Make: 'Parley Camera' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1', GPSMapDatum: GPS_MARKER } })
    .withMetadata({ orientation: 6 })
    .toBuffer();

/** Two 40×30 frames. */
export async function animatedGif(): Promise<Buffer> {
  const frames = await Promise.all(['#ff0000', '#0000ff'].map((colour) => solid(40, 30, colour).png().toBuffer()));
  return sharp(frames, { join: { animated: true } }).gif({ delay: [100, 100], loop: 0 }).toBuffer();
}

/** Random pixels compress badly: a PNG of about 250 KB. */
export const noisyPng = (): Promise<Buffer> =>
  sharp({ create: { width: 300, height: 300, channels: 3, background: '#888888', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .png()
    .toBuffer();

/** A real PNG cut in half: its header is intact, its pixel data is not. */
export const truncatedPng = async (): Promise<Buffer> => {
  const png = await noisyPng();
  return png.subarray(0, Math.floor(png.length / 2));
};

export const svgWithScript = (): Buffer =>
  Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(document.cookie)</script><rect width="10" height="10"/></svg>');

/**
 * A valid 20000×20000 one-colour PNG (400 megapixels, 1 bit per pixel) of a few dozen kilobytes, built by hand
 * so that making it costs no decoder any memory: rows of zero bits, deflated as they are written.
 */
export function pixelBombPng(width = 20_000, height = 20_000): Buffer {
  const row = Buffer.alloc(1 + Math.ceil(width / 8));
  const raw = Buffer.alloc(row.length * height);
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 1; // bit depth
  header[9] = 0; // greyscale
  return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
