/**
 * `DATA_DIR=/tmp/embedded-500 npx tsx bench/profile.ts / /organisations/south-yorkshire-police`
 * (or DATABASE_URL=... for a server database), after `bench/seed.ts` filled it.
 *
 * Runs the app in this process on that database and puts each path under load with autocannon in
 * a child process (10 connections, PROFILE_SECONDS, default 5), then prints, per path: requests,
 * latency, the app's CPU ms per request, what the response cache did, whether the data version
 * moved, the event loop's delay, and the statements the app sent, slowest in total first. Add
 * `node --cpu-prof` (see bench/README.md) for a CPU profile of the same run. COOKIE sends a
 * signed-in session (the value bench/seed.ts printed) for the workspace pages.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { openEmbeddedDatabase, openServerDatabase, type Database } from '../src/db/knex';
import { createLogger } from '../src/logger';
import { buildServices } from '../src/services';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { systemClock } from '../src/shared/clock';
import { PROJECT_ROOT } from '../src/shared/project-root';
import { fileEvidenceStore } from '../src/modules/assignments/evidence.store';

interface Statement {
  count: number;
  ms: number;
  maxMs: number;
}

function autocannon(
  url: string,
  seconds: number,
  cookie: string | undefined,
  token?: string,
): Promise<string> {
  const bin = path.join(PROJECT_ROOT, 'node_modules/.bin/autocannon');
  const args = [
    '-c',
    '10',
    '-d',
    String(seconds),
    '-j',
    ...(cookie ? ['-H', `cookie=${cookie}`] : []),
    ...(token ? ['-H', `authorization=Bearer ${token}`] : []),
    url,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
}

async function main(): Promise<void> {
  const targets = process.argv.slice(2);
  if (!targets.length) throw new Error('name the paths to measure, for example / /recommendations');
  const seconds = Number(process.env.PROFILE_SECONDS ?? '5');
  const cookie = process.env.COOKIE;
  const token = process.env.TOKEN;
  const logger = createLogger('warn');
  const dataDir = process.env.DATA_DIR;
  const url = process.env.DATABASE_URL;
  if (Boolean(dataDir) === Boolean(url)) throw new Error('set either DATA_DIR or DATABASE_URL');
  const db: Database = dataDir
    ? await openEmbeddedDatabase(dataDir, logger)
    : openServerDatabase(
        {
          kind: 'server',
          url: url!,
          poolMax: 10,
          connectTimeoutMs: 5000,
          statementTimeoutMs: 30000,
        },
        logger,
      );
  const env = dataDir ? { DATA_DIR: dataDir } : { DATABASE_URL: url };
  const config = {
    ...loadConfig({
      NODE_ENV: 'production',
      ...env,
      SECRET_KEY: randomBytes(32).toString('base64'),
    }),
  };
  const services = buildServices({
    knex: db.knex,
    clock: systemClock,
    config,
    logger,
    evidenceStore: dataDir ? fileEvidenceStore(path.join(dataDir, 'evidence')) : undefined,
  });
  const server = createApp(services).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const startedAt = new Map<string, number>();
  let statements = new Map<string, Statement>();
  type Query = { __knexQueryUid: string; sql: string };
  db.knex.on('query', (q: Query) => startedAt.set(q.__knexQueryUid, performance.now()));
  const finished = (q: Query) => {
    const t0 = startedAt.get(q.__knexQueryUid);
    if (t0 === undefined) return;
    startedAt.delete(q.__knexQueryUid);
    const ms = performance.now() - t0;
    const key = q.sql.replace(/\s+/g, ' ').slice(0, 100);
    const s = statements.get(key) ?? { count: 0, ms: 0, maxMs: 0 };
    s.count += 1;
    s.ms += ms;
    s.maxMs = Math.max(s.maxMs, ms);
    statements.set(key, s);
  };
  db.knex.on('query-response', (_r: unknown, q: Query) => finished(q));
  db.knex.on('query-error', (_e: unknown, q: Query) => finished(q));

  try {
    const slowest = (n: number) => {
      const top = [...statements.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, n);
      for (const [sql, s] of top)
        console.log(
          `  ${s.count}× ${s.ms.toFixed(0)} ms (longest ${s.maxMs.toFixed(1)} ms): ${sql}`,
        );
    };
    for (const target of targets) {
      statements = new Map();
      const probeStarted = performance.now();
      const probe = await fetch(base + target, {
        headers: {
          ...(cookie ? { cookie } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      });
      await probe.arrayBuffer();
      console.log(
        `\n${target}: first request ${probe.status} in ${(performance.now() - probeStarted).toFixed(0)} ms`,
      );
      slowest(4);
      console.log('  under load:');
      statements = new Map();
      const cacheBefore = services.responseCache.stats();
      const versionBefore = (await services.dataVersions.read()).public.version;
      const delay = monitorEventLoopDelay({ resolution: 5 });
      delay.enable();
      const cpu = process.cpuUsage();
      const result = JSON.parse(await autocannon(base + target, seconds, cookie, token));
      const used = process.cpuUsage(cpu);
      delay.disable();
      const cache = services.responseCache.stats();
      const versionAfter = (await services.dataVersions.read()).public.version;
      const n = Math.max(1, result.requests.total);
      console.log(
        `  ${result.requests.total} requests (${result.non2xx} not 2xx), ${result.requests.average} req/s, ` +
          `p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms; ` +
          `${((used.user + used.system) / 1000 / n).toFixed(2)} ms CPU per request`,
      );
      console.log(
        `  response cache: ${cache.hits - cacheBefore.hits} hits, ${cache.misses - cacheBefore.misses} misses, ` +
          `${cache.waited - cacheBefore.waited} waited, ${cache.stored - cacheBefore.stored} stored; ` +
          `public data version ${versionBefore} → ${versionAfter}`,
      );
      console.log(
        `  event loop delay: p50 ${(delay.percentile(50) / 1e6).toFixed(1)} ms, ` +
          `p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms, max ${(delay.max / 1e6).toFixed(1)} ms`,
      );
      slowest(8);
    }
  } finally {
    server.close();
    await db.close();
  }
}

main().catch((err: unknown) => {
  console.error(`bench/profile: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
