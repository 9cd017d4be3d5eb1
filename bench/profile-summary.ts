/**
 * Summarises a V8 CPU profile: `node bench/.cache/js/profile-summary.js <file.cpuprofile> [fromUs toUs]`
 * (after `npm run bench` compiled it). Prints self time by function and by package, and the inclusive time of
 * the app's own functions; the optional window (CLOCK_MONOTONIC µs) keeps only the samples taken under load.
 */
import { formatProfile, summarizeProfile } from './lib/profile';

const [file, from, to] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/.cache/js/profile-summary.js <file.cpuprofile> [fromUs toUs]\n');
  process.exit(2);
}
const window = from && to ? { fromUs: Number(from), toUs: Number(to) } : undefined;
process.stdout.write(`${formatProfile(summarizeProfile(file, window, Number(process.env.TOP ?? 25)))}\n`);
