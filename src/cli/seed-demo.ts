/**
 * `npm run seed:demo -- --scale N [--seed N]`: fills a fresh database with invented data for demos
 * and benchmarks (see seeds/demo.ts). Uses the same settings as the app (DATABASE_URL, or the
 * embedded database in DATA_DIR) and brings the schema up to date first.
 */
import pino from 'pino';
import { MAX_DEMO_SCALE, seedDemo } from '../../seeds/demo';
import { loadConfig } from '../config';
import { openDatabase } from '../db/knex';
import { migrateToLatest, withStartupLock } from '../db/migrate';
import { createLogger } from '../logger';
import { londonDate } from '../shared/calendar-date';

const USAGE = `usage: seed-demo [--scale N (1-${MAX_DEMO_SCALE}, default 50)] [--seed N]`;

class UsageError extends Error {}

interface Args {
  scale: number;
  seed: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { scale: 50, seed: 1 };
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    if (flag !== '--scale' && flag !== '--seed')
      throw new UsageError(`unknown argument ${argv[i]}`);
    const raw = inline ?? argv[(i += 1)];
    if (raw === undefined || !/^\d+$/.test(raw)) {
      throw new UsageError(
        `${flag} needs a whole number, got ${raw === undefined ? 'nothing' : raw}`,
      );
    }
    const value = Number(raw);
    if (flag === '--scale') {
      if (value < 1 || value > MAX_DEMO_SCALE) {
        throw new UsageError(`--scale must be from 1 to ${MAX_DEMO_SCALE}, got ${raw}`);
      }
      args.scale = value;
    } else {
      if (value > 0xffffffff)
        throw new UsageError(`--seed must be from 0 to 4294967295, got ${raw}`);
      args.seed = value;
    }
  }
  return args;
}

async function main(argv: string[]): Promise<void> {
  const { scale, seed } = parseArgs(argv);
  const config = loadConfig();
  // Logs go to stderr so that stdout carries only the summary line.
  const logger = createLogger(config.logLevel, pino.destination(2));
  const db = await openDatabase(config.database, logger);
  try {
    await withStartupLock(db, () => migrateToLatest(db));
    const started = performance.now();
    const summary = await seedDemo(db.knex, { scale, seed, today: londonDate(new Date()) });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `Demo data added to the ${db.kind} database (scale ${scale}, seed ${seed}) in ${seconds} s: ` +
        `${summary.organisations} organisations, ${summary.reports} reports, ` +
        `${summary.recommendations} recommendations, ${summary.assignments} assignments, ` +
        `${summary.themes} themes.`,
    );
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  console.error(`seed-demo: ${message}${err instanceof UsageError ? ` (${USAGE})` : ''}`);
  process.exitCode = 1;
});
