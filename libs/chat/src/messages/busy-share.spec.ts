import { BusyShare } from './busy-share';

describe('BusyShare', () => {
  let now = 0;
  const share = () => new BusyShare(1000, () => now);

  beforeEach(() => {
    now = 0;
  });

  it('is the share of the window spent in ended spells', () => {
    const busy = share();
    busy.start();
    now = 300;
    busy.stop();
    now = 500;
    busy.start();
    now = 600;
    busy.stop();
    now = 1000;
    expect(busy.share()).toBeCloseTo(0.4);
  });

  it('counts only the part of a spell inside the window, and forgets spells that left it', () => {
    const busy = share();
    busy.start();
    now = 300;
    busy.stop();
    now = 1200;
    expect(busy.share()).toBeCloseTo(0.1);
    now = 1300;
    expect(busy.share()).toBe(0);
  });

  it('counts the spell under way, capped at the whole window', () => {
    const busy = share();
    busy.start();
    now = 250;
    expect(busy.share()).toBeCloseTo(0.25);
    now = 5000;
    expect(busy.share()).toBe(1);
    busy.start(); // already busy: the spell keeps its start
    busy.stop();
    now = 5500;
    expect(busy.share()).toBeCloseTo(0.5);
  });

  it('ignores a stop without a start', () => {
    const busy = share();
    busy.stop();
    now = 100;
    expect(busy.share()).toBe(0);
  });
});
