import { describe, expect, it } from 'vitest';
import type { AppChanges, Storage } from '../ports.js';
import { newId } from '../secrets.js';
import type { App } from '../types.js';
import { AppDirectory } from './app-directory.js';

const MAX_STALE_MS = 5_000;

function makeApp(over: Partial<App> = {}): App {
  return {
    id: newId('app'),
    name: 'Shop',
    rpId: 'shop.example',
    origins: ['https://shop.example'],
    createdAt: 0,
    updatedAt: 0,
    ...over,
  } as App;
}

/** An apps table in memory that counts its reads, and lets a test hold a read in flight. */
function fakeStorage(apps: App[]) {
  const table = new Map(apps.map((a) => [a.id, a]));
  let gate: Promise<void> | undefined;
  const reads = { get: 0, list: 0 };
  const storage = {
    apps: {
      get: async (id: string) => {
        reads.get++;
        const row = table.get(id);
        await gate;
        return row;
      },
      list: async () => {
        reads.list++;
        return [...table.values()];
      },
    },
  } as unknown as Storage;
  return {
    storage,
    reads,
    table,
    /** Reads started from now on resolve (with the row as it was when they started) on release. */
    hold() {
      let release!: () => void;
      gate = new Promise((r) => (release = r));
      return () => {
        gate = undefined;
        release();
      };
    },
  };
}

interface FakeFeed {
  live: boolean;
  checks: number;
  /** Set by a test: what the next check() does (e.g. deliver a change). */
  onCheck: (() => void) | undefined;
  changes: AppChanges;
  deliver(appId?: string): void;
}

function fakeFeed(): FakeFeed {
  let deliver: (appId?: string) => void = () => {};
  const feed: FakeFeed = {
    live: true,
    checks: 0,
    onCheck: undefined,
    changes: {
      subscribe: (changed) => void (deliver = changed),
      check: () => {
        feed.checks++;
        feed.onCheck?.();
      },
      live: () => feed.live,
      close: async () => {},
    },
    deliver: (appId) => deliver(appId),
  };
  return feed;
}

function setup(apps: App[]) {
  const db = fakeStorage(apps);
  const feed = fakeFeed();
  let t = 1_000;
  const clock = { advance: (ms: number) => (t += ms) };
  const dir = new AppDirectory(db.storage, feed.changes, {
    maxStaleMs: MAX_STALE_MS,
    now: () => t,
  });
  return { db, feed, clock, dir };
}

describe('AppDirectory', () => {
  it('reads an app once and serves the next lookups from memory', async () => {
    const app = makeApp();
    const { db, dir } = setup([app]);
    expect(await dir.get(app.id)).toEqual(app);
    expect(await dir.get(app.id)).toEqual(app);
    expect(await dir.require(app.id)).toEqual(app);
    expect(db.reads.get).toBe(1);
    expect(dir.stats()).toEqual({ hits: 2, misses: 1, live: true });
  });

  it('answers a malformed app id as unknown without a query', async () => {
    const { db, dir } = setup([]);
    expect(await dir.get('not-an-app-id')).toBeUndefined();
    expect(await dir.get(undefined)).toBeUndefined();
    await expect(dir.require('app_')).rejects.toMatchObject({ code: 'app_not_found' });
    expect(db.reads.get).toBe(0);
  });

  it('shares one query among concurrent lookups of an app not yet cached', async () => {
    const app = makeApp();
    const { db, dir } = setup([app]);
    const release = db.hold();
    const lookups = Promise.all([dir.get(app.id), dir.get(app.id), dir.get(app.id)]);
    release();
    expect(await lookups).toEqual([app, app, app]);
    expect(db.reads.get).toBe(1);
  });

  it('re-reads an app after this process says it changed', async () => {
    const app = makeApp();
    const { db, dir } = setup([app]);
    await dir.get(app.id);
    const renamed = { ...app, name: 'Renamed' };
    db.table.set(app.id, renamed);
    dir.changed(app.id);
    expect(await dir.get(app.id)).toEqual(renamed);
    expect(db.reads.get).toBe(2);
  });

  it('re-reads an app when the change feed reports it, or reports every app', async () => {
    const a = makeApp();
    const b = makeApp();
    const { db, feed, dir } = setup([a, b]);
    await dir.get(a.id);
    await dir.get(b.id);
    db.table.set(a.id, { ...a, name: 'A2' });
    feed.deliver(a.id);
    expect((await dir.get(a.id))?.name).toBe('A2');
    expect(db.reads.get).toBe(3);
    db.table.set(b.id, { ...b, name: 'B2' });
    feed.deliver();
    expect((await dir.get(b.id))?.name).toBe('B2');
  });

  it('sees a change the feed finds while checking, on that very lookup', async () => {
    const app = makeApp();
    const { db, feed, dir } = setup([app]);
    await dir.get(app.id);
    db.table.set(app.id, { ...app, name: 'From the CLI' });
    feed.onCheck = () => feed.deliver();
    expect((await dir.get(app.id))?.name).toBe('From the CLI');
  });

  it('does not keep a row read before an invalidation that came in while it was read', async () => {
    const app = makeApp();
    const { db, dir } = setup([app]);
    const release = db.hold();
    const slow = dir.get(app.id); // reads the old row, held in flight
    db.table.set(app.id, { ...app, name: 'New' });
    dir.changed(app.id);
    release();
    expect((await slow)?.name).toBe('Shop');
    // The old row was not cached: the next lookup reads again.
    expect((await dir.get(app.id))?.name).toBe('New');
    expect(db.reads.get).toBe(2);
  });

  it('does not let a lookup after an invalidation join a read that started before it', async () => {
    const app = makeApp();
    const { db, dir } = setup([app]);
    const release = db.hold();
    const slow = dir.get(app.id);
    db.table.set(app.id, { ...app, name: 'New' });
    dir.changed(app.id);
    const fresh = dir.get(app.id);
    release();
    expect((await slow)?.name).toBe('Shop');
    expect((await fresh)?.name).toBe('New');
  });

  it('trusts a cached app past the staleness bound only while the feed is live', async () => {
    const app = makeApp();
    const { db, feed, clock, dir } = setup([app]);
    await dir.get(app.id);
    clock.advance(MAX_STALE_MS + 1);
    await dir.get(app.id);
    expect(db.reads.get).toBe(1);

    feed.live = false;
    db.table.set(app.id, { ...app, name: 'Changed while the feed was down' });
    expect((await dir.get(app.id))?.name).toBe('Changed while the feed was down');
    expect(db.reads.get).toBe(2);
    // Down, the fresh copy is served for the bound, then read again.
    clock.advance(MAX_STALE_MS - 1);
    await dir.get(app.id);
    expect(db.reads.get).toBe(2);
    clock.advance(1);
    await dir.get(app.id);
    expect(db.reads.get).toBe(3);
  });

  it('re-reads an app after a minute even with a live feed', async () => {
    const app = makeApp();
    const { db, clock, dir } = setup([app]);
    await dir.get(app.id);
    clock.advance(60_000);
    await dir.get(app.id);
    expect(db.reads.get).toBe(2);
  });

  it('remembers an unknown app id for a few seconds, not for good', async () => {
    const { db, clock, dir } = setup([]);
    const id = newId('app');
    expect(await dir.get(id)).toBeUndefined();
    expect(await dir.get(id)).toBeUndefined();
    expect(db.reads.get).toBe(1);
    clock.advance(5_000);
    expect(await dir.get(id)).toBeUndefined();
    expect(db.reads.get).toBe(2);
  });

  it('finds an app created after its id was looked up, once told', async () => {
    const { db, dir } = setup([]);
    const app = makeApp();
    expect(await dir.get(app.id)).toBeUndefined();
    db.table.set(app.id, app);
    dir.changed(app.id);
    expect(await dir.get(app.id)).toEqual(app);
  });

  it('keeps a bounded number of unknown app ids', async () => {
    const { db, dir } = setup([]);
    const first = newId('app');
    await dir.get(first);
    for (let i = 0; i < 1_000; i++) await dir.get(newId('app'));
    const before = db.reads.get;
    await dir.get(first);
    expect(db.reads.get).toBe(before + 1);
  });

  it('lists the apps of an RP ID from memory until an app changes', async () => {
    const a = makeApp({ rpId: 'shop.example' });
    const { db, dir } = setup([a]);
    expect(await dir.onHost('Shop.Example.')).toEqual([a]);
    expect(await dir.onHost('shop.example')).toEqual([a]);
    expect(db.reads.list).toBe(1);
    const b = makeApp({ rpId: 'shop.example' });
    db.table.set(b.id, b);
    dir.changed(b.id);
    expect(await dir.onHost('shop.example')).toEqual([a, b]);
    expect(db.reads.list).toBe(2);
  });
});
