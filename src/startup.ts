/**
 * What happens before the app listens: open the database, bring the schema up to date and apply the
 * reference seed, all under the start-up lock so several instances can start together safely.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Config } from './config';
import type { Logger } from './logger';
import { openDatabase, type Database } from './db/knex';
import { migrateToLatest, withStartupLock } from './db/migrate';
import { isDatabaseUnavailable } from './db/errors';
import { grantAppPrivileges, roleOf } from './db/roles';
import { applyLindenSeed } from '../seeds/operation-linden';
import {
  checkSecretKeyFingerprint,
  SecretKeyMismatchError,
} from './modules/operations/secret-key-fingerprint';
import { systemClock } from './shared/clock';

export class StartupError extends Error {}

/**
 * SECRET_KEY encrypts secrets at rest. Production must set it (config refuses to start without);
 * elsewhere a key is generated once and kept in DATA_DIR/secret.key, readable by this user only.
 */
export function ensureSecretKey(config: Config): Config {
  if (config.secretKey) return config;
  const file = path.join(config.dataDir, 'secret.key');
  fs.mkdirSync(config.dataDir, { recursive: true });
  if (!fs.existsSync(file))
    fs.writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32)
    throw new StartupError(
      `${file} does not hold a 32-byte base64 key; delete it to make a new one.`,
    );
  return { ...config, secretKey: key };
}

/** Where the key comes from, in words, for a start-up message; call before ensureSecretKey. */
export function secretKeySource(config: Config): string {
  return config.secretKey ? 'SECRET_KEY' : `the key in ${path.join(config.dataDir, 'secret.key')}`;
}

/** A database URL with any password removed, for messages. */
export function describeDatabase(config: Config['database']): string {
  if (config.kind === 'embedded') return `the embedded database in ${config.dataDir}`;
  try {
    const url = new URL(config.url);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'the database in DATABASE_URL';
  }
}

/**
 * Opens, migrates and seeds the database, and checks that config.secretKey is the key the database
 * was first started with (recording it on the first start); `keySource` names the key in the
 * refusal.
 */
export async function prepareDatabase(
  config: Config,
  logger: Logger,
  keySource = 'SECRET_KEY',
): Promise<Database> {
  // With DATABASE_MIGRATION_URL, migrations and the seed run as the owner, who then grants the app
  // role (DATABASE_URL) its privileges; the app's own pool opens afterwards (ADR 0009).
  const server = config.database.kind === 'server' ? config.database : null;
  const owner = server?.migrationUrl ? { ...server, url: server.migrationUrl, poolMax: 2 } : null;
  if (server && !owner && config.env === 'production')
    logger.warn(
      'DATABASE_MIGRATION_URL is not set: the app runs as the owner of its tables, which could rewrite the audit trail. Set DATABASE_URL to a role with only the app privileges (docs/deployment.md).',
    );
  let db: Database;
  try {
    db = await openDatabase(owner ?? config.database, logger);
  } catch (err) {
    throw new StartupError(
      `Cannot open ${describeDatabase(owner ?? config.database)}: ${(err as Error).message}`,
    );
  }
  try {
    await withStartupLock(db, async () => {
      const applied = await migrateToLatest(db);
      if (applied.length) logger.info({ migrations: applied }, 'database migrated');
      if (config.secretKey) {
        const check = await checkSecretKeyFingerprint(
          db.knex,
          config.secretKey,
          systemClock,
          keySource,
        );
        if (check === 'recorded') logger.info('secret key fingerprint recorded');
      }
      if (config.seedOnStart) {
        const seed = await applyLindenSeed(db.knex);
        if (seed.applied) logger.info({ created: seed.created }, 'Operation Linden seed applied');
      }
      const appRole = owner ? roleOf(server!.url) : null;
      if (appRole && (await grantAppPrivileges(db.knex, appRole)))
        logger.info({ role: appRole }, 'app role privileges granted');
    });
    if (owner) {
      await db.close();
      db = await openDatabase(config.database, logger);
      await db.knex.raw('select 1');
    }
  } catch (err) {
    await db.close().catch(() => undefined);
    if (err instanceof SecretKeyMismatchError) throw new StartupError(err.message);
    const code = (err as { code?: string }).code;
    // The server answered but refused this database or login: the fix is almost always in DATABASE_URL.
    const hint = code && ['3D000', '28000', '28P01'].includes(code) ? '; check DATABASE_URL' : '';
    const reason = isDatabaseUnavailable(err)
      ? `cannot reach ${describeDatabase(config.database)} (${(err as { code?: string }).code ?? (err as Error).message}). Check DATABASE_URL and that PostgreSQL is running`
      : `preparing ${describeDatabase(config.database)} failed: ${(err as Error).message}${hint}`;
    throw new StartupError(`Start-up failed: ${reason}.`);
  }
  return db;
}
