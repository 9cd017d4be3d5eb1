import { readFileSync } from 'node:fs';
import { round } from './stats';

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

type Census = Map<string, { count: number; bytes: number }>;

/** Objects of a V8 heap snapshot by kind (`type:constructor`), with their count and shallow size. */
export function heapCensus(file: string): Census {
  const heap = JSON.parse(readFileSync(file, 'utf8')) as HeapSnapshot;
  const fields = heap.snapshot.meta.node_fields;
  const types = heap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const census: Census = new Map();
  for (let i = 0; i < heap.nodes.length; i += width) {
    const type = types[heap.nodes[i + typeAt]];
    // Strings and code are grouped by type only: their "names" are their contents.
    const name = type === 'object' || type === 'closure' || type === 'native' ? heap.strings[heap.nodes[i + nameAt]] : '';
    const key = name ? `${type}:${name}` : type;
    const entry = census.get(key) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += heap.nodes[i + sizeAt];
    census.set(key, entry);
  }
  return census;
}

/** What grew between two censuses, per socket: the kinds that account for the memory of each connection. */
export function heapDiff(before: Census, after: Census, sockets: number, top = 25): Array<{ kind: string; countPerSocket: number; bytesPerSocket: number }> {
  const rows: Array<{ kind: string; countPerSocket: number; bytesPerSocket: number }> = [];
  for (const [kind, now] of after) {
    const was = before.get(kind) ?? { count: 0, bytes: 0 };
    const bytes = now.bytes - was.bytes;
    if (bytes <= 0) continue;
    rows.push({ kind, countPerSocket: round((now.count - was.count) / sockets, 2), bytesPerSocket: round(bytes / sockets, 0) });
  }
  return rows.sort((a, b) => b.bytesPerSocket - a.bytesPerSocket).slice(0, top);
}
