/**
 * `npm run bench [-- --scales 50,500 --duration 10 --connections 10]`
 *
 * Measures the real app, started as its own process on a PostgreSQL server filled with demo data at
 * each scale, against a ceiling (bench/ceiling.ts: bare Express + Handlebars), with autocannon in
 * this process. Prints a table and ratios, writes bench/results/bench-<timestamp>.json and
 * bench/results/latest.json, and exits non-zero when any target answered other than 2xx or failed.
 * Every child process is stopped and every database it created is dropped, also on failure or
 * Ctrl+C. See bench/README.md.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { MAX_DEMO_SCALE, seedDemo, type DemoSummary } from '../seeds/demo';
import { applyLindenSeed } from '../seeds/operation-linden';
import { openEmbeddedDatabase, openServerDatabase, type Database } from '../src/db/knex';
import { migrateToLatest } from '../src/db/migrate';
import { createLogger } from '../src/logger';
import { londonDate } from '../src/shared/calendar-date';
import { PROJECT_ROOT } from '../src/shared/project-root';
import { runUploadBench } from './upload';
import { addOversightRows, signInOverseer, type BenchCredentials } from './oversight';

/** What gets measured in the app at every scale. Add a page or API route by adding a line. */
const TARGETS: readonly Target[] = [
  { name: 'overview', path: '/' },
  // The overview asked again with the ETag it gave: every answer should be 304.
  { name: 'overview, If-None-Match', path: '/', conditional: true },
  { name: 'organisation page', path: '/organisations/south-yorkshire-police' },
  { name: 'recommendations', path: '/recommendations' },
  { name: 'api recommendations', path: '/api/v1/recommendations' },
  {
    name: 'api recommendations, If-None-Match',
    path: '/api/v1/recommendations',
    conditional: true,
  },
  { name: 'api recommendation', path: '/api/v1/recommendations/LIN-01' },
  { name: 'api organisation', path: '/api/v1/organisations/south-yorkshire-police' },
  { name: 'recommendation page', path: '/recommendations/LIN-01' },
  { name: 'recommendation as of a date', path: '/recommendations/LIN-01?as_of=2022-03-01' },
  // The same page asked again with the ETag it gave: every answer should be 304.
  { name: 'recommendation, If-None-Match', path: '/recommendations/LIN-01', conditional: true },
  { name: 'open data assignments.csv', path: '/data/assignments.csv' },
  {
    name: 'open data assignments.csv, If-None-Match',
    path: '/data/assignments.csv',
    conditional: true,
  },
  { name: 'atom feed', path: '/data/feed.atom' },
  { name: 'atom feed, If-None-Match', path: '/data/feed.atom', conditional: true },
  // Oversight dashboards, as a signed-in overseer (cookie) or with an overseer's token (API).
  { name: 'dashboard matrix', path: '/workspace/dashboards', as: 'overseer' },
  { name: 'dashboard overdue', path: '/workspace/dashboards/overdue', as: 'overseer' },
  { name: 'dashboard progress', path: '/workspace/dashboards/progress', as: 'overseer' },
  { name: 'dashboard summary', path: '/workspace/dashboards/summary', as: 'overseer' },
  { name: 'board pack', path: '/workspace/board-pack', as: 'overseer' },
  { name: 'api dashboard matrix', path: '/api/v1/dashboards/matrix', as: 'overseer-token' },
  { name: 'api dashboard overdue', path: '/api/v1/dashboards/overdue', as: 'overseer-token' },
  { name: 'api dashboard progress', path: '/api/v1/dashboards/progress', as: 'overseer-token' },
  { name: 'api dashboard summary', path: '/api/v1/dashboards/summary', as: 'overseer-token' },
];

/** The ceiling is measured again after every this many targets: neighbours on a shared machine move it. */
const CEILING_EVERY = 4;
/** The quick mode's targets (the suite and CI): one page, one 304, one file, one dashboard. */
const QUICK_TARGETS = new Set([
  'overview',
  'overview, If-None-Match',
  'open data assignments.csv',
  'dashboard summary',
]);

const CEILING: Target = { name: 'ceiling (bare hbs)', path: '/' };

/** 0 stands for Operation Linden alone (the seed, no demo data): what `npm start` shows. */
const LINDEN = 0;
const DEFAULTS = {
  scales: [LINDEN, 50, 500],
  embeddedScales: [LINDEN, 500],
  duration: 10,
  connections: 10,
};
const QUICK = { scales: [LINDEN, 50], embeddedScales: [LINDEN], duration: 2, connections: 10 };
const LIMITS = { duration: [1, 120], connections: [1, 200] } as const;
const WARMUP_SECONDS = 1;
const HOST = '127.0.0.1';
const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;
/** Seeding the largest scale (5000) writes ~100k assignments; this bounds a stuck statement. */
const SETUP_STATEMENT_TIMEOUT_MS = 300_000;
const RESULTS_DIR = path.join(PROJECT_ROOT, 'bench', 'results');
const OUTPUT_TAIL_CHARS = 16_000;
/** Above this share of the machine taken by other processes, the figures are flagged. */
const OTHER_CPU_WARNING = 0.1;

interface Target {
  name: string;
  path: string;
  /** Send If-None-Match with the ETag of the probe's answer; then 304 is the expected status. */
  conditional?: boolean;
  /** Sent signed in: as the seeded overseer's session cookie, or with its API token. */
  as?: 'overseer' | 'overseer-token';
}

interface Settings {
  /** Demo scales on the PostgreSQL server (0: Operation Linden only). */
  scales: number[];
  /** The same on the embedded database (PGlite), started as `npm start` starts it. */
  embeddedScales: number[];
  durationSeconds: number;
  connections: number;
  quick: boolean;
  /** Only the targets whose names contain one of these (all when empty). */
  only: string[];
  /** Skip the evidence upload measured at the end. */
  upload: boolean;
}

type Engine = 'server' | 'embedded';
const scaleLabel = (scale: number) => (scale === LINDEN ? 'linden' : String(scale));

// ---------------------------------------------------------------------------------------------
// autocannon ships no types and @types/autocannon is not installed; these are the parts used here.

interface Histogram {
  average: number;
  mean: number;
  stddev: number;
  min: number;
  max: number;
  total: number;
  p50: number;
  p90: number;
  p99: number;
  [percentile: string]: number;
}

interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  non2xx: number;
  resets: number;
  '2xx': number;
  statusCodeStats: Record<string, { count: number }>;
  latency: Histogram & { totalCount: number };
  requests: Histogram & { sent: number };
  throughput: Histogram;
}

type Autocannon = (
  options: {
    url: string;
    connections: number;
    duration: number;
    pipelining: number;
    timeout: number;
    headers?: Record<string, string>;
  },
  done: (err: Error | null, result: AutocannonResult) => void,
) => { stop(): void };

const autocannon = createRequire(__filename)('autocannon') as Autocannon;

// ---------------------------------------------------------------------------------------------
// Cleanup: everything started registers how to undo itself; it is undone in reverse order on
// success, failure, Ctrl+C or the overall time limit.

const cleanups: (() => Promise<void>)[] = [];
const children = new Set<ChildProcess>();
const loads = new Set<{ stop(): void }>();
/** Set on Ctrl+C or the time limit: the exit code to end with once main has unwound. */
let stopCode: number | null = null;
/** How long main may take to unwind after a stop before the cleanups run regardless. */
const UNWIND_TIMEOUT_MS = 15_000;

class Stopped extends Error {}

/** Called between steps: after a stop nothing new may be created that the cleanups could miss. */
function checkpoint(): void {
  if (stopCode !== null) throw new Stopped('stopped');
}

let cleaning: Promise<void> | null = null;

function runCleanups(): Promise<void> {
  cleaning ??= (async () => {
    for (let undo = cleanups.pop(); undo; undo = cleanups.pop()) {
      await undo().catch((err: unknown) => console.error(`cleanup: ${(err as Error).message}`));
    }
  })();
  return cleaning;
}

async function finish(code: number): Promise<never> {
  await runCleanups();
  process.exit(stopCode ?? code);
}

// Cleaning up while main is still mid-step would race it (a database created after its drop ran),
// so a stop ends the load in flight and lets main unwind through its own cleanup path.
function stop(reason: string, code: number): void {
  if (stopCode !== null) return;
  stopCode = code;
  console.error(`\n${reason}; cleaning up`);
  for (const load of loads) load.stop();
  setTimeout(() => void finish(code), UNWIND_TIMEOUT_MS).unref();
}

// Last resort if something exits the process without the cleanups: no app left listening.
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

// ---------------------------------------------------------------------------------------------
// Arguments

function parseSettings(argv: string[]): Settings {
  const { values } = parseArgs({
    args: argv,
    options: {
      scales: { type: 'string' },
      'embedded-scales': { type: 'string' },
      quick: { type: 'boolean' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      only: { type: 'string' },
      'no-upload': { type: 'boolean' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(
      'usage: npm run bench -- [--quick] [--scales linden,50,500] [--embedded-scales linden,500]\n' +
        '                        [--duration 10] [--connections 10]\n' +
        '  --quick        a short run for the suite and CI: linden and 50 on the server, linden embedded,\n' +
        '                 four targets, 2 s each\n' +
        `  --scales       demo organisations per scale on the server, comma-separated, linden or 1 to ${MAX_DEMO_SCALE}\n` +
        '  --embedded-scales  the same on the embedded database (none: "")\n' +
        `  --duration     seconds measured per target, ${LIMITS.duration.join(' to ')}\n` +
        `  --connections  concurrent connections, ${LIMITS.connections.join(' to ')}\n` +
        '  --only         only the targets whose names contain one of these, comma-separated\n' +
        '                 (for example --only "api,board pack"); the ceiling is always measured\n' +
        '  --no-upload    skip the evidence upload measured at the end\n' +
        '  BENCH_DATABASE_URL  admin URL of the PostgreSQL server (default ' +
        `${DEFAULT_ADMIN_URL})`,
    );
    process.exit(0);
  }
  const whole = (flag: string, raw: string, [min, max]: readonly [number, number]): number => {
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      throw new Error(`--${flag} must be a whole number from ${min} to ${max}, got ${raw}`);
    }
    return Number(raw);
  };
  const base = values.quick ? QUICK : DEFAULTS;
  const list = (flag: string, raw: string | undefined, fallback: number[]) =>
    raw === undefined
      ? fallback
      : [
          ...new Set(
            raw
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean)
              .map((s) => (s === 'linden' ? LINDEN : whole(flag, s, [1, MAX_DEMO_SCALE]))),
          ),
        ].sort((a, b) => a - b);
  return {
    scales: list('scales', values.scales, base.scales),
    embeddedScales: list('embedded-scales', values['embedded-scales'], base.embeddedScales),
    durationSeconds: values.duration
      ? whole('duration', values.duration, LIMITS.duration)
      : base.duration,
    connections: values.connections
      ? whole('connections', values.connections, LIMITS.connections)
      : base.connections,
    quick: Boolean(values.quick),
    only: (values.only ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
    upload: !values['no-upload'],
  };
}

// ---------------------------------------------------------------------------------------------
// Databases

function adminUrl(): URL {
  const url = new URL(process.env.BENCH_DATABASE_URL || DEFAULT_ADMIN_URL);
  // The bench creates and drops databases and points load at them: never anything but loopback.
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    throw new Error(`BENCH_DATABASE_URL must point at a loopback address, got ${url.hostname}`);
  }
  return url;
}

function databaseUrl(admin: URL, name: string): string {
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

function open(url: string): Database {
  return openServerDatabase(
    {
      kind: 'server',
      url,
      poolMax: 2,
      connectTimeoutMs: 5000,
      statementTimeoutMs: SETUP_STATEMENT_TIMEOUT_MS,
    },
    createLogger('warn', pino.destination(2)),
  );
}

interface Prepared {
  /** DATABASE_URL (server) or DATA_DIR (embedded) for the app. */
  env: Record<string, string>;
  seedSeconds: number;
  demo: DemoSummary;
  credentials: BenchCredentials;
}

const NO_DEMO: DemoSummary = {
  organisations: 0,
  reports: 0,
  recommendations: 0,
  assignments: 0,
  themes: 0,
};

/** Schema, the Linden seed, demo data at this scale (none for Linden), oversight rows, an overseer. */
async function fill(db: Database, scale: number) {
  await migrateToLatest(db);
  await applyLindenSeed(db.knex);
  const today = londonDate(new Date());
  const demo = scale === LINDEN ? NO_DEMO : await seedDemo(db.knex, { scale, seed: 1, today });
  await addOversightRows(db.knex, today);
  const credentials = await signInOverseer(db.knex);
  // Without this the planner's view of the new rows depends on when autovacuum happens to run,
  // and the same commit could measure differently from one run to the next.
  await db.knex.raw('analyze');
  return { demo, credentials };
}

/** A fresh embedded database in a temporary DATA_DIR, filled as the server's is. */
async function prepareEmbedded(scale: number): Promise<Prepared> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-embedded-${scaleLabel(scale)}-`));
  cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
  const started = performance.now();
  const db = await openEmbeddedDatabase(dataDir, createLogger('warn', pino.destination(2)));
  try {
    const { demo, credentials } = await fill(db, scale);
    return {
      env: { DATA_DIR: dataDir },
      seedSeconds: (performance.now() - started) / 1000,
      demo,
      credentials,
    };
  } finally {
    await db.close();
  }
}

/** A fresh database at this scale: schema, the Linden seed, demo data, then fresh statistics. */
async function prepareDatabase(admin: Database, adminAt: URL, scale: number): Promise<Prepared> {
  const name = `bench_${scale}_${randomBytes(4).toString('hex')}`;
  await admin.knex.raw('create database ??', [name]);
  cleanups.push(async () => {
    // force: an app that failed to stop must not keep the database alive.
    await admin.knex.raw('drop database if exists ?? with (force)', [name]);
  });
  const url = databaseUrl(adminAt, name);
  const db = open(url);
  try {
    const started = performance.now();
    const { demo, credentials } = await fill(db, scale);
    return {
      env: { DATABASE_URL: url },
      seedSeconds: (performance.now() - started) / 1000,
      demo,
      credentials,
    };
  } finally {
    await db.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Child processes

interface Server {
  baseUrl: string;
  pid: number | undefined;
  /** The last of what the process wrote, for diagnosing a failure. */
  output(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

// Only what node and tsx need from this shell: a setting exported here (DATABASE_POOL_MAX, say)
// must not quietly change what is measured.
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'LANG']) {
    if (process.env[key] !== undefined) env[key] = process.env[key];
  }
  return env;
}

async function startServer(
  label: string,
  entry: string,
  readyPath: string,
  env: NodeJS.ProcessEnv,
): Promise<Server> {
  checkpoint();
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: PROJECT_ROOT,
    env: { ...baseEnv(), ...env, HOST, PORT: String(port), NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    children.delete(child);
  };
  cleanups.push(stop);

  const baseUrl = `http://${HOST}:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    checkpoint();
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${label} exited before it was ready:\n${output.trim()}`);
    }
    const status = await fetch(`${baseUrl}${readyPath}`)
      .then((res) => res.arrayBuffer().then(() => res.status))
      .catch(() => 0);
    if (status === 200) break;
    if (Date.now() > deadline) {
      throw new Error(`${label} was not ready within ${READY_TIMEOUT_MS / 1000} s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { baseUrl, pid: child.pid, output: () => output, stop };
}

// ---------------------------------------------------------------------------------------------
// Measuring

interface Probe {
  status: number;
  contentType: string | null;
  bytes: number;
}

interface Measurement {
  target: Target;
  probe: Probe;
  warmup: Summary;
  result: Summary;
  /** CPU time the server process spent per completed request while measured; null off Linux. */
  serverCpuMsPerRequest: number | null;
  /**
   * The share of the machine's CPU (0 to 1) used while measuring by anything other than this
   * process, the server and PostgreSQL: tests or a browser running alongside. null off Linux.
   */
  otherCpuShare: number | null;
}

interface Summary {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  completed: number;
  bytesPerResponse: number;
  statusCodes: Record<string, number>;
  raw: Pick<AutocannonResult, 'duration' | 'latency' | 'requests' | 'throughput' | 'resets'>;
}

function run(
  url: string,
  seconds: number,
  connections: number,
  headers: Record<string, string> = {},
): Promise<AutocannonResult> {
  return new Promise((resolve, reject) => {
    const load = autocannon(
      { url, connections, duration: seconds, pipelining: 1, timeout: 10, headers },
      (err, result) => {
        loads.delete(load);
        if (err) reject(err);
        else resolve(result);
      },
    );
    loads.add(load);
  });
}

function summarise(r: AutocannonResult): Summary {
  const completed = r.latency.totalCount + r.non2xx;
  return {
    reqPerSec: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    completed,
    bytesPerResponse: completed ? Math.round(r.throughput.total / completed) : 0,
    statusCodes: Object.fromEntries(
      Object.entries(r.statusCodeStats).map(([code, s]) => [code, s.count]),
    ),
    raw: {
      duration: r.duration,
      latency: r.latency,
      requests: r.requests,
      throughput: r.throughput,
      resets: r.resets,
    },
  };
}

async function measure(
  server: Server,
  target: Target,
  settings: Settings,
  credentials?: BenchCredentials,
): Promise<Measurement> {
  const url = `${server.baseUrl}${target.path}`;
  const signedIn: Record<string, string> =
    target.as === 'overseer' && credentials
      ? { cookie: credentials.cookie }
      : target.as === 'overseer-token' && credentials
        ? { authorization: credentials.authorization }
        : {};
  // One plain request first: a page that fails says so with its status, not as a wall of non-2xx.
  const res = await fetch(url, { headers: signedIn, redirect: 'manual' });
  const probe: Probe = {
    status: res.status,
    contentType: res.headers.get('content-type'),
    bytes: (await res.arrayBuffer()).byteLength,
  };
  const etag = res.headers.get('etag');
  const headers = target.conditional && etag ? { ...signedIn, 'if-none-match': etag } : signedIn;
  // Warming up fills the view cache, the JIT and the database pool before anything is counted.
  const warmup = summarise(await run(url, WARMUP_SECONDS, settings.connections, headers));
  checkpoint();
  const before = cpuSample(server.pid);
  const result = summarise(await run(url, settings.durationSeconds, settings.connections, headers));
  const after = cpuSample(server.pid);
  checkpoint();
  let serverCpuMsPerRequest: number | null = null;
  let otherCpuShare: number | null = null;
  if (before && after) {
    const used = (k: keyof CpuSample) => after[k] - before[k];
    if (result.completed) serverCpuMsPerRequest = (used('server') * 1000) / result.completed;
    const other = used('machine') - used('server') - used('postgres') - used('bench');
    otherCpuShare = Math.max(0, other) / (result.raw.duration * os.cpus().length);
  }
  return { target, probe, warmup, result, serverCpuMsPerRequest, otherCpuShare };
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5000 })) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds used so far, from /proc (Linux only). */
interface CpuSample {
  machine: number;
  server: number;
  /** Every postgres process: the app's backends, but also those of anyone else's databases. */
  postgres: number;
  bench: number;
}

/** User plus system CPU seconds of a process, and its command name. */
function processCpu(pid: string): { name: string; seconds: number } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th overall.
    const fields = stat.slice(close + 2).split(' ');
    const seconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    return { name: stat.slice(open + 1, close), seconds };
  } catch {
    return null;
  }
}

/**
 * Requests per second fall when anything else on the machine is busy; the server's CPU per
 * request mostly does not, so it is the steadier figure to compare between runs. The rest of the
 * sample tells how much of the machine others took meanwhile.
 */
function cpuSample(serverPid: number | undefined): CpuSample | null {
  if (serverPid === undefined) return null;
  try {
    const [, ...ticks] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
    // user nice system idle iowait irq softirq steal: all but idle and iowait are busy.
    const busy = ticks
      .slice(0, 8)
      .reduce((sum, t, i) => (i === 3 || i === 4 ? sum : sum + Number(t)), 0);
    const server = processCpu(String(serverPid));
    if (!server) return null;
    let postgres = 0;
    for (const pid of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      const p = processCpu(pid);
      if (p?.name === 'postgres') postgres += p.seconds;
    }
    const self = process.cpuUsage();
    return {
      machine: busy / CLOCK_TICKS,
      server: server.seconds,
      postgres,
      bench: (self.user + self.system) / 1e6,
    };
  } catch {
    return null;
  }
}

/** A target's name in tables and results: its path, marked when the request is conditional. */
function targetLabel(t: Target): string {
  return `${t.path}${t.conditional ? ' (If-None-Match)' : ''}`;
}

function failuresOf(where: string, m: Measurement): string[] {
  const out: string[] = [];
  const label = `${where} ${targetLabel(m.target)}`;
  if (m.probe.status < 200 || m.probe.status > 299)
    out.push(`${label}: probe got ${m.probe.status}`);
  for (const [phase, s] of [
    ['warm-up', m.warmup],
    ['measured', m.result],
  ] as const) {
    // A conditional target must be answered 304 every time; any other target 2xx.
    const unexpected = m.target.conditional
      ? Object.entries(s.statusCodes).reduce((n, [code, c]) => (code === '304' ? n : n + c), 0)
      : s.non2xx;
    if (unexpected)
      out.push(
        `${label}: ${unexpected} ${m.target.conditional ? 'answers other than 304' : 'non-2xx responses'} (${phase})`,
      );
    if (s.errors) out.push(`${label}: ${s.errors} errors, ${s.timeouts} timeouts (${phase})`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Report

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

function fixed(n: number | null, digits: number): string {
  return n === null ? 'n/a' : n.toFixed(digits);
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

interface ScaleRun {
  engine: Engine;
  scale: number;
  label: string;
  seedSeconds: number;
  demo: DemoSummary;
  /** Each target with the index (in `ceilings`) of the ceiling measured just before it. */
  measurements: (Measurement & { ceiling: number })[];
}

interface Ratio {
  engine: Engine;
  scale: string;
  target: string;
  reqPerSec: number | null;
  p99: number | null;
  cpuMsPerRequest: number | null;
  ceilingCpuMsPerRequest: number | null;
}

function ratiosOf(ceilings: Measurement[], scales: ScaleRun[]) {
  const vsCeiling: Ratio[] = scales.flatMap((s) =>
    s.measurements.map((m) => {
      const c = ceilings[m.ceiling]!;
      return {
        engine: s.engine,
        scale: s.label,
        target: targetLabel(m.target),
        reqPerSec: ratio(m.result.reqPerSec, c.result.reqPerSec),
        p99: ratio(c.result.p99Ms, m.result.p99Ms),
        cpuMsPerRequest: m.serverCpuMsPerRequest,
        ceilingCpuMsPerRequest: c.serverCpuMsPerRequest,
      };
    }),
  );
  // p99 at the largest scale over p99 at scale 50 (or the smallest measured), per engine.
  const largeVsSmall = (['server', 'embedded'] as const).flatMap((engine) => {
    const runs = scales.filter((s) => s.engine === engine);
    const small = runs.find((s) => s.scale === 50) ?? runs[0];
    const large = runs[runs.length - 1];
    if (!small || !large || small === large) return [];
    return [
      {
        engine,
        small: small.label,
        large: large.label,
        targets: large.measurements.map((m, i) => {
          const before = small.measurements[i]!.result;
          return {
            target: targetLabel(m.target),
            reqPerSec: ratio(m.result.reqPerSec, before.reqPerSec),
            p99: ratio(m.result.p99Ms, before.p99Ms),
          };
        }),
      },
    ];
  });
  return { vsCeiling, largeVsSmall };
}

function report(ceilings: Measurement[], scales: ScaleRun[], ratios: ReturnType<typeof ratiosOf>) {
  const row = (
    engine: string,
    scale: string,
    m: Measurement,
    vs?: { reqPerSec: number | null; p99: number | null },
  ) => [
    m.target.name === CEILING.name ? m.target.name : targetLabel(m.target),
    engine,
    scale,
    m.result.reqPerSec.toFixed(0),
    String(m.result.p50Ms),
    String(m.result.p99Ms),
    (m.result.bytesPerResponse / 1024).toFixed(1),
    fixed(m.serverCpuMsPerRequest, 2),
    m.otherCpuShare === null ? 'n/a' : (m.otherCpuShare * 100).toFixed(0),
    String(m.result.non2xx),
    String(m.result.errors),
    vs ? fixed(vs.reqPerSec, 3) : '',
    vs ? fixed(vs.p99, 3) : '',
  ];
  const rows: string[][] = [];
  let shown = -1;
  for (const s of scales) {
    for (const m of s.measurements) {
      if (m.ceiling !== shown) {
        rows.push(row('-', '-', ceilings[m.ceiling]!));
        shown = m.ceiling;
      }
      const vs = ratios.vsCeiling.find(
        (r) => r.engine === s.engine && r.scale === s.label && r.target === targetLabel(m.target),
      );
      rows.push(row(s.engine, s.label, m, vs));
    }
  }
  console.log(
    `\n${table(
      [
        'target',
        'db',
        'scale',
        'req/s',
        'p50 ms',
        'p99 ms',
        'KiB/resp',
        'CPU ms/req',
        'others %',
        'non-2xx',
        'errors',
        'req/s ours/ceil',
        'p99 ceil/ours',
      ],
      rows,
    )}`,
  );
  const busiest = Math.max(
    ...[...ceilings, ...scales.flatMap((s) => s.measurements)].map((m) => m.otherCpuShare ?? 0),
  );
  if (busiest > OTHER_CPU_WARNING) {
    console.log(
      `\nWarning: other processes used up to ${(busiest * 100).toFixed(0)}% of the machine's CPU ` +
        'while measuring; req/s and latency are pessimistic, CPU ms/req is steadier.',
    );
  }
  for (const { engine, small, large, targets } of ratios.largeVsSmall) {
    console.log(
      `\n${engine}: scale ${large} / scale ${small} (req/s below 1 and p99 above 1 mean it slows as data grows)\n` +
        table(
          ['target', 'req/s', 'p99'],
          targets.map((t) => [t.target, fixed(t.reqPerSec, 3), fixed(t.p99, 3)]),
        ),
    );
  }
}

function gitInfo(): { commit: string; dirty: boolean } | null {
  try {
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 5000 }).trim();
    return { commit: git('rev-parse', 'HEAD'), dirty: git('status', '--porcelain') !== '' };
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const startedAt = new Date();
  const started = performance.now();
  const loadAverageAtStart = os.loadavg();
  const settings = parseSettings(process.argv.slice(2));
  const adminAt = adminUrl();

  // Setup per scale is seconds, and seeding grows with scale; this only catches a hang.
  const allScales = [...settings.scales, ...settings.embeddedScales];
  const targets = (
    settings.quick ? TARGETS.filter((t) => QUICK_TARGETS.has(t.name)) : TARGETS
  ).filter(
    (t) => !settings.only.length || settings.only.some((o) => t.name.toLowerCase().includes(o)),
  );
  if (!targets.length) throw new Error(`--only ${settings.only.join(',')} matches no target`);
  const perScale = targets.length * (1 + 1 / CEILING_EVERY);
  const budgetSeconds =
    (allScales.length * perScale + 1) * (settings.durationSeconds + WARMUP_SECONDS + 2) +
    settings.scales.reduce((sum, s) => sum + 60 + s / 5, 60) +
    settings.embeddedScales.reduce((sum, s) => sum + 120 + s, 0);
  setTimeout(
    () => stop(`Gave up after ${budgetSeconds.toFixed(0)} s (the overall limit)`, 1),
    budgetSeconds * 1000,
  ).unref();

  const admin = open(adminAt.toString());
  cleanups.push(() => admin.close());
  const pgVersion = await admin.knex
    .raw<{ rows: { server_version: string }[] }>('show server_version')
    .then((r) => r.rows[0]?.server_version ?? 'unknown')
    .catch((err: Error) => {
      throw new Error(`cannot reach PostgreSQL at ${adminAt.host} (${err.message})`);
    });

  console.log(
    `Benchmark: server ${settings.scales.map(scaleLabel).join(', ') || 'none'}; embedded ` +
      `${settings.embeddedScales.map(scaleLabel).join(', ') || 'none'}; ${settings.durationSeconds} s per target ` +
      `after ${WARMUP_SECONDS} s warm-up; ${settings.connections} connections; ` +
      `${os.cpus().length} CPUs; Node ${process.version}; PostgreSQL ${pgVersion}`,
  );

  console.log('ceiling: starting and measuring');
  // Kept running for the whole run and measured again every few targets, since neighbours on a
  // shared machine move it.
  const ceilingServer = await startServer('the ceiling app', 'bench/ceiling.ts', CEILING.path, {});
  const ceilings: Measurement[] = [];
  const failures: string[] = [];
  const measureCeiling = async () => {
    const c = await measure(ceilingServer, CEILING, settings);
    failures.push(...failuresOf('ceiling', c));
    ceilings.push(c);
  };
  await measureCeiling();

  const scaleRuns: ScaleRun[] = [];
  let sinceCeiling = 0;
  const runs: { engine: Engine; scale: number }[] = [
    ...settings.scales.map((scale) => ({ engine: 'server' as const, scale })),
    ...settings.embeddedScales.map((scale) => ({ engine: 'embedded' as const, scale })),
  ];
  for (const { engine, scale } of runs) {
    checkpoint();
    const label = scaleLabel(scale);
    console.log(`${engine} ${label}: creating and seeding a database`);
    const prepared =
      engine === 'server'
        ? await prepareDatabase(admin, adminAt, scale)
        : await prepareEmbedded(scale);
    console.log(
      `${engine} ${label}: seeded in ${prepared.seedSeconds.toFixed(1)} s ` +
        `(${prepared.demo.recommendations} demo recommendations, ${prepared.demo.assignments} ` +
        'demo assignments); starting the app and measuring',
    );
    const app = await startServer(`the app (${engine} ${label})`, 'src/server.ts', '/readyz', {
      ...prepared.env,
      LOG_LEVEL: 'warn',
      SEED_ON_START: 'false',
      SHUTDOWN_TIMEOUT_MS: '2000',
      NOTIFICATIONS_INTERVAL_SECONDS: '0',
      // Production refuses to start without a key; a throwaway one serves a benchmark.
      SECRET_KEY: randomBytes(32).toString('base64'),
    });
    const measurements: ScaleRun['measurements'] = [];
    for (const target of targets) {
      if (sinceCeiling === CEILING_EVERY) {
        await measureCeiling();
        sinceCeiling = 0;
      }
      const m = await measure(app, target, settings, prepared.credentials);
      sinceCeiling += 1;
      measurements.push({ ...m, ceiling: ceilings.length - 1 });
      const found = failuresOf(`${engine} ${label}`, m);
      failures.push(...found);
      if (found.length) console.error(`${found.join('\n')}\napp output (tail):\n${app.output()}`);
    }
    await app.stop();
    scaleRuns.push({
      engine,
      scale,
      label,
      seedSeconds: prepared.seedSeconds,
      demo: prepared.demo,
      measurements,
    });
  }
  await ceilingServer.stop();

  const ratios = ratiosOf(ceilings, scaleRuns);
  report(ceilings, scaleRuns, ratios);

  // One 25 MB evidence upload: time and the app's memory growth (bench/upload.ts).
  checkpoint();
  const upload = settings.upload ? await runUploadBench(adminAt.toString()) : null;
  if (upload) {
    console.log('\nevidence upload (25 MB PDF, one request):');
    console.table(upload);
    if (upload.status !== 303) failures.push(`evidence upload answered ${upload.status}, not 303`);
  }

  const totalSeconds = (performance.now() - started) / 1000;
  const cpus = os.cpus();
  const record = {
    timestamp: startedAt.toISOString(),
    totalSeconds,
    machine: {
      cpus: cpus.length,
      cpuModel: cpus[0]?.model ?? 'unknown',
      totalMemoryMiB: Math.round(os.totalmem() / 2 ** 20),
      loadAverageAtStart,
      loadAverageAtEnd: os.loadavg(),
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      node: process.version,
      postgres: pgVersion,
    },
    git: gitInfo(),
    settings: {
      ...settings,
      warmupSeconds: WARMUP_SECONDS,
      pipelining: 1,
      appEnv: { NODE_ENV: 'production', LOG_LEVEL: 'warn', DATABASE_POOL_MAX: 'default' },
      demoSeed: 1,
      targets,
      ceiling: CEILING,
      note: 'Load generator, app and PostgreSQL share this machine; latency resolution is 1 ms.',
    },
    ceilings,
    scales: scaleRuns,
    ratios,
    upload,
    failures,
  };
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const json = `${JSON.stringify(record, null, 2)}\n`;
  const file = path.join(
    RESULTS_DIR,
    `bench-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`,
  );
  fs.writeFileSync(file, json);
  fs.writeFileSync(path.join(RESULTS_DIR, 'latest.json'), json);

  console.log(
    `\nTotal ${totalSeconds.toFixed(0)} s. Results: ${path.relative(PROJECT_ROOT, file)} ` +
      '(and bench/results/latest.json)',
  );
  if (failures.length) {
    console.error(`\nFAILED: non-2xx responses or errors:\n  ${failures.join('\n  ')}`);
    return 1;
  }
  return 0;
}

process.on('SIGINT', () => stop('Interrupted', 130));
process.on('SIGTERM', () => stop('Terminated', 143));

main()
  .then((code) => finish(code))
  .catch((err: unknown) => {
    if (!(err instanceof Stopped)) {
      console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
    }
    return finish(1);
  });
