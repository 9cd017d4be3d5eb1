import { readFileSync } from 'node:fs';
import { round } from './stats';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  /** Window summarised, in ms, and how much of it the process was on CPU (not idle). */
  windowMs: number;
  busyMs: number;
  busyShare: number;
  /** Self time by function, busy time only (idle excluded), highest first. */
  topSelf: Array<{ function: string; where: string; selfMs: number; pct: number }>;
  /** Self time by package / area. */
  byPackage: Array<{ package: string; selfMs: number; pct: number }>;
  /** Inclusive time of the application's own functions (libs/chat and src), highest first. */
  topInclusiveApp: Array<{ function: string; where: string; totalMs: number; pct: number }>;
  /** For the heaviest self-time functions: the call paths (nearest JS callers first) that lead to them. */
  callers: Array<{ function: string; paths: Array<{ path: string; ms: number; pct: number }> }>;
}

/** Where a script lives, as a package name or an area of the repo. */
export function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : `(native) ${functionName}`;
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const parts = url.slice(modules + 'node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (url.startsWith('node:')) return 'node (core)';
  if (url.includes('/libs/chat/')) return '@parley/chat (libs/chat)';
  if (url.includes('/src/')) return 'parley server (src)';
  return url;
}

function shortWhere(frame: CallFrame): string {
  if (!frame.url) return '';
  let url = frame.url.replace(/^file:\/\//, '');
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) url = url.slice(modules + 'node_modules/'.length);
  else if (url.includes('/libs/chat/')) url = url.slice(url.lastIndexOf('/libs/chat/') + 1);
  else url = url.replace(/^.*\/src\//, 'src/');
  return `${url}:${frame.lineNumber + 1}`;
}

/**
 * Summarises a `.cpuprofile` (from `node --cpu-prof`): self time per function and per package, and inclusive
 * time of the app's functions. `window` (µs, the profile's clock: CLOCK_MONOTONIC, as process.hrtime) keeps
 * only the samples taken under load.
 */
export function summarizeProfile(file: string, window?: { fromUs: number; toUs: number }, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<number, number>();
  let t = profile.startTime;
  const times: number[] = [];
  for (const delta of profile.timeDeltas) times.push((t += delta));
  const from = window?.fromUs ?? -Infinity;
  const to = window?.toUs ?? Infinity;
  let windowUs = 0;
  const inclusive = new Map<string, number>();
  const frameOf = new Map<string, CallFrame>();
  for (let i = 0; i < profile.samples.length; i++) {
    const at = times[i];
    if (at < from || at > to) continue;
    const duration = (i + 1 < times.length ? times[i + 1] : profile.endTime) - at;
    if (duration <= 0) continue;
    windowUs += duration;
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + duration);
    // Inclusive time of app functions: each function once per sample, however deep the recursion.
    const seen = new Set<string>();
    for (let node: number | undefined = id; node !== undefined; node = parent.get(node)) {
      const frame = (byId.get(node) as ProfileNode).callFrame;
      if (!frame.url.includes('/libs/chat/') && !/\/dist\/src\/|\/server-[^/]+\/src\//.test(frame.url)) continue;
      const key = `${frame.functionName || '(anonymous)'}\u0000${shortWhere(frame)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      frameOf.set(key, frame);
      inclusive.set(key, (inclusive.get(key) ?? 0) + duration);
    }
  }
  // Bottom-up: the JS callers of each leaf, to name who calls a native hot spot like writev.
  const callerPaths = new Map<string, Map<string, number>>();
  for (let i = 0; i < profile.samples.length; i++) {
    const at = times[i];
    if (at < from || at > to) continue;
    const duration = (i + 1 < times.length ? times[i + 1] : profile.endTime) - at;
    if (duration <= 0) continue;
    const leaf = (byId.get(profile.samples[i]) as ProfileNode).callFrame;
    if (leaf.functionName === '(idle)') continue;
    const leafKey = `${leaf.functionName}\u0000${shortWhere(leaf)}`;
    const path: string[] = [];
    // Node's own stream and net internals say nothing about who wrote: skip them to reach the libraries and the app.
    for (let node = parent.get(profile.samples[i]); node !== undefined && path.length < 6; node = parent.get(node)) {
      const frame = (byId.get(node) as ProfileNode).callFrame;
      if (!frame.url || frame.url.startsWith('node:')) continue;
      path.push(`${frame.functionName || '(anonymous)'} (${shortWhere(frame)})`);
    }
    const paths = callerPaths.get(leafKey) ?? new Map<string, number>();
    const key = path.join(' < ');
    paths.set(key, (paths.get(key) ?? 0) + duration);
    callerPaths.set(leafKey, paths);
  }
  const perFunction = new Map<string, { function: string; where: string; us: number }>();
  const perPackage = new Map<string, number>();
  let idleUs = 0;
  for (const [id, us] of self) {
    const frame = (byId.get(id) as ProfileNode).callFrame;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const where = shortWhere(frame);
    const key = `${frame.functionName}\u0000${where}`;
    const entry = perFunction.get(key) ?? { function: frame.functionName || '(anonymous)', where, us: 0 };
    entry.us += us;
    perFunction.set(key, entry);
    const pkg = packageOf(frame.url, frame.functionName);
    perPackage.set(pkg, (perPackage.get(pkg) ?? 0) + us);
  }
  const busyUs = Math.max(1, windowUs - idleUs);
  const heaviest = [...perFunction.entries()].sort((a, b) => b[1].us - a[1].us).slice(0, 4);
  return {
    file,
    windowMs: round(windowUs / 1000, 0),
    busyMs: round(busyUs / 1000, 0),
    busyShare: round(busyUs / Math.max(1, windowUs), 3),
    topSelf: [...perFunction.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((entry) => ({ function: entry.function, where: entry.where, selfMs: round(entry.us / 1000, 0), pct: round((entry.us / busyUs) * 100, 1) })),
    byPackage: [...perPackage.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([pkg, us]) => ({ package: pkg, selfMs: round(us / 1000, 0), pct: round((us / busyUs) * 100, 1) })),
    topInclusiveApp: [...inclusive.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, us]) => {
        const frame = frameOf.get(key) as CallFrame;
        return { function: frame.functionName || '(anonymous)', where: shortWhere(frame), totalMs: round(us / 1000, 0), pct: round((us / busyUs) * 100, 1) };
      }),
    callers: heaviest.map(([key, entry]) => ({
      function: `${entry.function} ${entry.where}`.trim(),
      paths: [...(callerPaths.get(key) ?? new Map<string, number>()).entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 4)
        .map(([path, us]) => ({ path: path || '(no JS caller)', ms: round(us / 1000, 0), pct: round((us / busyUs) * 100, 1) })),
    })),
  };
}

export function formatProfile(summary: ProfileSummary): string {
  const lines = [
    `profile ${summary.file}`,
    `window ${summary.windowMs} ms, on CPU ${summary.busyMs} ms (${Math.round(summary.busyShare * 100)}%); shares below are of the on-CPU time`,
    '',
    'self time by function:',
    ...summary.topSelf.map((e) => `  ${e.pct.toFixed(1).padStart(5)}%  ${String(e.selfMs).padStart(7)} ms  ${e.function}  ${e.where}`),
    '',
    'self time by package:',
    ...summary.byPackage.map((e) => `  ${e.pct.toFixed(1).padStart(5)}%  ${String(e.selfMs).padStart(7)} ms  ${e.package}`),
    '',
    'inclusive time of app functions (libs/chat, src):',
    ...summary.topInclusiveApp.map((e) => `  ${e.pct.toFixed(1).padStart(5)}%  ${String(e.totalMs).padStart(7)} ms  ${e.function}  ${e.where}`),
    '',
    'who calls the heaviest functions (nearest caller first):',
    ...summary.callers.flatMap((c) => [`  ${c.function}:`, ...c.paths.map((p) => `    ${p.pct.toFixed(1).padStart(5)}%  ${p.path}`)]),
  ];
  return lines.join('\n');
}
