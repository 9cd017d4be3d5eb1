import { inlineDisposition, servedFileName } from './image-file-name';

describe('image file names', () => {
  it('servedFileName: the last path segment, without dangerous characters, with the real extension', () => {
    expect(servedFileName('holiday.png', 'jpg')).toBe('holiday.jpg');
    expect(servedFileName('../../etc/passwd', 'png')).toBe('passwd.png');
    expect(servedFileName('C:\\Users\\ann\\me.jpeg', 'jpg')).toBe('me.jpg');
    expect(servedFileName('a"b;c\r\nd<e>.gif', 'gif')).toBe('abcde.gif');
    expect(servedFileName('.png', 'png')).toBe('image.png');
    expect(servedFileName(undefined, 'webp')).toBe('image.webp');
    expect(servedFileName('фото.png', 'png')).toBe('фото.png');
    expect(servedFileName(`${'x'.repeat(300)}.png`, 'png')).toBe(`${'x'.repeat(100)}.png`);
  });

  it('inlineDisposition: an ASCII fallback and the exact UTF-8 name', () => {
    expect(inlineDisposition('cat.png')).toBe(`inline; filename="cat.png"; filename*=UTF-8''cat.png`);
    expect(inlineDisposition("l'été 100%.png")).toBe(`inline; filename="l'_t_ 100_.png"; filename*=UTF-8''l%27%C3%A9t%C3%A9%20100%25.png`);
  });
});
