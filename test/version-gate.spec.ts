import { DEFAULT_GAP_GRACE_MS, MAX_GAP_GRACE_MS, VersionGate } from '../src/demo/client/version-gate';

/**
 * The demo client's rule for versions that arrive out of order (src/demo/client/version-gate.ts): a client that
 * holds room R complete up to version v and receives v+2 waits up to the grace period for v+1 before it syncs.
 */
describe(VersionGate.name, () => {
  /** A client holding rooms at versions; applying an event records it and moves the version as the demo's `known()` does. */
  function client(versions: Record<string, number>, syncTo: (roomId: string) => number | Promise<number> = (roomId) => versions[roomId]) {
    const applied: string[] = [];
    const syncs: string[] = [];
    const gate = new VersionGate({
      version: (roomId) => versions[roomId],
      sync: async (roomId) => {
        syncs.push(roomId);
        versions[roomId] = Math.max(versions[roomId], await syncTo(roomId));
      },
    });
    const event = (roomId: string, version: number) =>
      gate.offer(roomId, version, () => {
        applied.push(`${roomId}@${version}`);
        if (version === versions[roomId] + 1) versions[roomId] = version;
      });
    return { gate, applied, syncs, event, versions };
  }

  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('applies events in order at once, and old ones again without syncing', () => {
    const c = client({ r: 5 });
    c.event('r', 6);
    c.event('r', 7);
    c.event('r', 4);
    expect(c.applied).toEqual(['r@6', 'r@7', 'r@4']);
    expect(c.versions.r).toBe(7);
    jest.advanceTimersByTime(5 * DEFAULT_GAP_GRACE_MS);
    expect(c.syncs).toEqual([]);
  });

  it('holds an event past a gap until the missing one comes, then applies both in version order, without a sync', () => {
    const c = client({ r: 5 });
    c.event('r', 7);
    c.event('r', 8);
    expect(c.applied).toEqual([]);
    jest.advanceTimersByTime(DEFAULT_GAP_GRACE_MS - 1);
    c.event('r', 6);
    expect(c.applied).toEqual(['r@6', 'r@7', 'r@8']);
    jest.advanceTimersByTime(5 * DEFAULT_GAP_GRACE_MS);
    expect(c.syncs).toEqual([]);
    expect(c.gate.stats).toEqual({ held: 2, filled: 2, syncs: 0 });
  });

  it('holds each room apart: a gap in one room does not hold the others', () => {
    const c = client({ a: 1, b: 1 });
    c.event('a', 3);
    c.event('b', 2);
    expect(c.applied).toEqual(['b@2']);
  });

  it('syncs once when the gap is still open after the grace period, and drops the held events the sync covered', async () => {
    const c = client({ r: 5 }, () => 8);
    c.event('r', 7);
    jest.advanceTimersByTime(300);
    c.event('r', 8);
    // The grace period runs from the oldest held event.
    jest.advanceTimersByTime(DEFAULT_GAP_GRACE_MS - 301);
    expect(c.syncs).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(c.syncs).toEqual(['r']);
    expect(c.versions.r).toBe(8);
    // 7 and 8 came with the sync: applying them again could undo a newer state.
    expect(c.applied).toEqual([]);
    c.event('r', 9);
    expect(c.applied).toEqual(['r@9']);
    await jest.advanceTimersByTimeAsync(5 * DEFAULT_GAP_GRACE_MS);
    expect(c.syncs).toEqual(['r']);
  });

  it('holds the events that arrive during a sync and applies those past it in order', async () => {
    let finish: (version: number) => void = () => undefined;
    const c = client({ r: 5 }, () => new Promise<number>((resolve) => (finish = resolve)));
    c.event('r', 7);
    await jest.advanceTimersByTimeAsync(DEFAULT_GAP_GRACE_MS);
    expect(c.syncs).toEqual(['r']);
    c.event('r', 10);
    c.event('r', 6);
    c.event('r', 9);
    expect(c.applied).toEqual([]);
    finish(8);
    await jest.advanceTimersByTimeAsync(0);
    expect(c.applied).toEqual(['r@9', 'r@10']);
    expect(c.versions.r).toBe(10);
  });

  it('after a failed sync, tries again a grace period later, not in a loop', async () => {
    let failures = 0;
    const c = client({ r: 5 }, () => {
      failures += 1;
      throw new Error('network');
    });
    c.event('r', 7);
    await jest.advanceTimersByTimeAsync(DEFAULT_GAP_GRACE_MS);
    expect(failures).toBe(1);
    await jest.advanceTimersByTimeAsync(DEFAULT_GAP_GRACE_MS - 1);
    expect(failures).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(failures).toBe(2);
    c.event('r', 6);
    expect(c.applied).toEqual(['r@6', 'r@7']);
  });

  it('applies events of rooms the client does not hold at once, and forgets a room that is gone', async () => {
    const c = client({ r: 5 });
    c.event('unknown', 9);
    expect(c.applied).toEqual(['unknown@9']);
    c.event('r', 8);
    c.gate.forget('r');
    await jest.advanceTimersByTimeAsync(5 * DEFAULT_GAP_GRACE_MS);
    expect(c.syncs).toEqual([]);
    expect(c.applied).toEqual(['unknown@9']);
  });

  it('stretches the grace period to twice the longest gap it saw filled, up to 5 s', async () => {
    const c = client({ r: 1 }, () => 100);
    expect(c.gate.graceMs).toBe(DEFAULT_GAP_GRACE_MS);
    // A gap filled after 700 ms: the grace period becomes 1.4 s.
    c.event('r', 3);
    jest.advanceTimersByTime(700);
    c.event('r', 2);
    expect(c.gate.graceMs).toBe(1400);
    c.event('r', 5);
    await jest.advanceTimersByTimeAsync(1399);
    expect(c.syncs).toEqual([]);
    c.event('r', 4);
    expect(c.applied).toEqual(['r@2', 'r@3', 'r@4', 'r@5']);
    expect(c.gate.graceMs).toBe(2798);
    // A gap open for 4 s outlives that (one sync), and its late event stretches the grace period to its cap.
    c.event('r', 7);
    await jest.advanceTimersByTimeAsync(4000);
    expect(c.syncs).toEqual(['r']);
    c.event('r', 6);
    expect(c.gate.graceMs).toBe(MAX_GAP_GRACE_MS);
  });

  it('learns from an event that came after the sync it missed: it was late, not lost', async () => {
    const c = client({ r: 1 }, () => 3);
    c.event('r', 3);
    await jest.advanceTimersByTimeAsync(DEFAULT_GAP_GRACE_MS);
    expect(c.syncs).toEqual(['r']);
    // Version 2 arrives 1.5 s after the gap opened, long after the sync went past it.
    await jest.advanceTimersByTimeAsync(500);
    c.event('r', 2);
    expect(c.gate.graceMs).toBe(3000);
    // The next crossing of that size is waited for.
    c.event('r', 5);
    await jest.advanceTimersByTimeAsync(1500);
    c.event('r', 4);
    expect(c.syncs).toEqual(['r']);
    expect(c.applied).toEqual(['r@2', 'r@4', 'r@5']);
  });

  it('settles held events when the room version moved on its own (a reload)', () => {
    const c = client({ r: 5 });
    c.event('r', 7);
    c.event('r', 9);
    c.versions.r = 8;
    c.gate.settle();
    expect(c.applied).toEqual(['r@9']);
  });
});
