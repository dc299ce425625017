/**
 * Prints a results file of `npm run bench` as Markdown tables for docs/performance.md: CPU ms per
 * request (the steadier figure), p99 ms, and the share of the machine other processes took, one
 * column per database and scale, a row per target, with the ceiling measured before each target.
 *
 * `npx tsx bench/table.ts [bench/results/latest.json]`
 */
import fs from 'node:fs';
import path from 'node:path';

interface Measurement {
  target: { name: string; path: string };
  result: { p99Ms: number; reqPerSec: number; bytesPerResponse: number };
  serverCpuMsPerRequest: number | null;
  otherCpuShare: number | null;
  ceiling: number;
}
interface ScaleRun {
  engine: string;
  label: string;
  measurements: Measurement[];
}
interface Results {
  timestamp: string;
  git: { commit: string };
  ceilings: Measurement[];
  scales: ScaleRun[];
}

const file = process.argv[2] ?? path.join(__dirname, 'results', 'latest.json');
const results = JSON.parse(fs.readFileSync(file, 'utf8')) as Results;
const columns = results.scales.map((s) => `${s.engine} ${s.label}`);
const names = [...new Set(results.scales.flatMap((s) => s.measurements.map((m) => m.target.name)))];
const find = (s: ScaleRun, name: string) => s.measurements.find((m) => m.target.name === name);
const fixed = (n: number | null | undefined, digits: number) =>
  n === null || n === undefined ? '–' : n.toFixed(digits);

function table(title: string, cell: (m: Measurement | undefined) => string): string {
  const rows = names.map(
    (name) => `| ${name} | ${results.scales.map((s) => cell(find(s, name))).join(' | ')} |`,
  );
  return [
    `${title} (${results.timestamp}, ${results.git.commit.slice(0, 7)})`,
    '',
    `| target | ${columns.join(' | ')} |`,
    `| --- | ${columns.map(() => '---:').join(' | ')} |`,
    ...rows,
    '',
  ].join('\n');
}

const present = (f: (m: Measurement) => string) => (m: Measurement | undefined) => (m ? f(m) : '–');
const ceilingCpu = (m: Measurement) => results.ceilings[m.ceiling]?.serverCpuMsPerRequest;

console.log(
  table(
    'CPU ms per request (ceiling just before)',
    present((m) => `${fixed(m.serverCpuMsPerRequest, 2)} (${fixed(ceilingCpu(m), 2)})`),
  ),
);
console.log(
  table(
    'p99 ms (others %)',
    present((m) => `${m.result.p99Ms} (${fixed((m.otherCpuShare ?? 0) * 100, 0)})`),
  ),
);
console.log(
  table(
    'KiB per response',
    present((m) => fixed(m.result.bytesPerResponse / 1024, 1)),
  ),
);
