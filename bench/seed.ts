/**
 * `npx tsx bench/seed.ts --scale 5000 --database bench_keep_5000` (server) or
 * `npx tsx bench/seed.ts --scale 500 --data-dir /tmp/embedded-500` (embedded)
 *
 * Fills one database as `npm run bench` fills each scale's (migrations, the Linden seed, the demo
 * data, the oversight rows, an overseer's session and token, ANALYZE) and keeps it, for profiling
 * the app by hand against the same data. Prints how to start the app on it and the overseer's
 * Cookie and Authorization values. Drop it afterwards (`dropdb`, or delete the folder).
 */
import { parseArgs } from 'node:util';
import pino from 'pino';
import { MAX_DEMO_SCALE, seedDemo } from '../seeds/demo';
import { applyLindenSeed } from '../seeds/operation-linden';
import { openEmbeddedDatabase, openServerDatabase, type Database } from '../src/db/knex';
import { migrateToLatest } from '../src/db/migrate';
import { createLogger } from '../src/logger';
import { londonDate } from '../src/shared/calendar-date';
import { addOversightRows, signInOverseer } from './oversight';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string' },
      database: { type: 'string' },
      'data-dir': { type: 'string' },
    },
    strict: true,
  });
  const scale = Number(values.scale ?? '0');
  if (!Number.isInteger(scale) || scale < 0 || scale > MAX_DEMO_SCALE)
    throw new Error(`--scale must be a whole number from 0 (Linden only) to ${MAX_DEMO_SCALE}`);
  if (Boolean(values.database) === Boolean(values['data-dir']))
    throw new Error('give either --database NAME (server) or --data-dir DIR (embedded)');
  const logger = createLogger('warn', pino.destination(2));
  let db: Database;
  let env: string;
  if (values.database) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(values.database))
      throw new Error('--database must be a lower-case identifier');
    const admin = new URL(
      process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    );
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(admin.hostname))
      throw new Error('BENCH_DATABASE_URL must point at a loopback address');
    const server = (url: string) =>
      openServerDatabase(
        { kind: 'server', url, poolMax: 2, connectTimeoutMs: 5000, statementTimeoutMs: 600_000 },
        logger,
      );
    const adminDb = server(admin.toString());
    await adminDb.knex.raw('create database ??', [values.database]);
    await adminDb.close();
    const url = new URL(admin);
    url.pathname = `/${values.database}`;
    db = server(url.toString());
    env = `DATABASE_URL=${url.toString()}`;
  } else {
    db = await openEmbeddedDatabase(values['data-dir']!, logger);
    env = `DATA_DIR=${values['data-dir']}`;
  }
  try {
    const started = performance.now();
    await migrateToLatest(db);
    await applyLindenSeed(db.knex);
    const today = londonDate(new Date());
    const demo = scale === 0 ? null : await seedDemo(db.knex, { scale, seed: 1, today });
    await addOversightRows(db.knex, today);
    const credentials = await signInOverseer(db.knex);
    await db.knex.raw('analyze');
    console.log(
      `Seeded in ${((performance.now() - started) / 1000).toFixed(1)} s` +
        (demo ? ` (${demo.recommendations} recommendations, ${demo.assignments} assignments)` : ''),
    );
    console.log(
      `Start: ${env} NODE_ENV=production SEED_ON_START=false NOTIFICATIONS_INTERVAL_SECONDS=0 SECRET_KEY=<any 32 bytes, base64> npx tsx src/server.ts`,
    );
    console.log(`Cookie: ${credentials.cookie}`);
    console.log(`Authorization: ${credentials.authorization}`);
  } finally {
    await db.close();
  }
}

main().catch((err: unknown) => {
  console.error(`bench/seed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
