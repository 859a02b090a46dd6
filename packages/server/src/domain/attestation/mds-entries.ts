import type { Storage } from '../ports.js';
import type { MdsEntry } from '../types.js';

interface Loaded {
  no: number;
  byAaguid: Map<string, MdsEntry>;
}

const loaded = new WeakMap<Storage, Loaded>();

/**
 * The MDS entry for `aaguid` from the imported BLOB. The BLOB (a few MB) is parsed once per node
 * and serial number: each lookup asks only for the stored number, so a BLOB another node imported
 * is picked up by the next registration that needs it.
 */
export async function findMdsEntry(
  storage: Storage,
  aaguid: string,
): Promise<MdsEntry | undefined> {
  const no = await storage.mds.currentNo();
  if (no === undefined) return undefined;
  let cached = loaded.get(storage);
  if (cached?.no !== no) {
    const blob = await storage.mds.current();
    if (!blob) return undefined;
    cached = { no: blob.no, byAaguid: new Map(blob.entries.map((e) => [e.aaguid, e])) };
    loaded.set(storage, cached);
  }
  return cached.byAaguid.get(aaguid.toLowerCase());
}
