/**
 * Starts the tracker: config, database (migrated and seeded), then listen. Stops gracefully on
 * SIGTERM or SIGINT: no new connections, in-flight requests finish, then the pool closes.
 */
import type { Server } from 'node:http';
import path from 'node:path';
import { fileEvidenceStore } from './modules/assignments/evidence.store';
import { ConfigError, loadConfig, type Config } from './config';
import { createLogger, type Logger } from './logger';
import { createApp } from './app';
import { buildServices } from './services';
import { startHousekeeping } from './modules/accounts/housekeeping';
import { startNotificationScheduler } from './modules/notifications/notifications.scheduler';
import { systemClock } from './shared/clock';
import { ensureSecretKey, prepareDatabase, secretKeySource, StartupError } from './startup';
import { issueSetupLinkIfNoAdmin } from './modules/accounts/one-time-links.service';
import type { Database } from './db/knex';
import { keepSetupLink, setupLinkNotice } from './setup-link-file';

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function banner(config: Config, address: string, db: Database, setupLink: string | null): string {
  const where =
    db.kind === 'embedded'
      ? `embedded PostgreSQL in ${config.database.kind === 'embedded' ? config.database.dataDir : ''}`
      : 'PostgreSQL server (DATABASE_URL)';
  return [
    '',
    `  ${config.serviceName} is running at ${address}`,
    `  Database: ${where}`,
    '',
    ...(setupLink
      ? [
          '  First run: there is no administrator account yet. To create it, open this link',
          '  within 24 hours (it works once; each start makes a new one and only the newest works):',
          '',
          `    ${setupLink}`,
          '',
        ]
      : []),
    '  Next steps:',
    `    - Open ${address} to see the reports and recommendations.`,
    `    - The JSON API starts at ${address}/api/v1/recommendations.`,
    '    - Stop with Ctrl+C. Settings are listed in docs/configuration.md (for example PORT).',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  const logger: Logger = createLogger(config.logLevel);
  const keySource = secretKeySource(config);
  try {
    config = ensureSecretKey(config);
  } catch (err) {
    fail((err as Error).message);
  }

  let db: Database;
  try {
    db = await prepareDatabase(config, logger, keySource);
  } catch (err) {
    if (err instanceof StartupError) fail(err.message);
    throw err;
  }

  // Printed in the banner only (to a terminal), never logged: the link is a secret that makes the
  // first admin (see setup-link-file.ts).
  const setupLink = await issueSetupLinkIfNoAdmin(db.knex, systemClock, config.publicBaseUrl);
  const services = buildServices({
    knex: db.knex,
    clock: systemClock,
    config,
    logger,
    // Evidence bytes kept out of the embedded database's WebAssembly heap (evidence.store.ts).
    evidenceStore:
      db.kind === 'embedded' ? fileEvidenceStore(path.join(config.dataDir, 'evidence')) : undefined,
  });
  const app = createApp(services);
  const stopHousekeeping = startHousekeeping(db.knex, systemClock, services.sessions, logger);
  const stopNotifications = startNotificationScheduler(
    services.notifications,
    config.notifications.intervalSeconds,
    logger,
    () => services.auditTrail.checkpoint(),
  );
  // Today's checkpoint of the audit chain, if no instance has taken it yet (ADR 0010).
  await services.auditTrail
    .checkpoint()
    .catch((err: unknown) => logger.error({ err }, 'audit checkpoint failed'));
  const server: Server = app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  }).catch(async (err: NodeJS.ErrnoException) => {
    await db.close();
    fail(
      err.code === 'EADDRINUSE'
        ? `Cannot listen on ${config.host}:${config.port}: the port is in use. Set PORT to a free port.`
        : `Cannot listen: ${err.message}`,
    );
  });
  const port = (server.address() as { port: number }).port;
  const address = `http://${config.host === '0.0.0.0' || config.host === '127.0.0.1' ? 'localhost' : config.host}:${port}`;
  logger.info({ port, database: db.kind }, 'listening');
  // For the person who typed `npm start`: plain words, with the setup link. Anywhere else (a
  // container, a service manager) stdout is a log: JSON lines only, and never the link.
  const interactive = Boolean(process.stdout.isTTY);
  const linkFile =
    !interactive && db.kind === 'embedded' ? keepSetupLink(config.dataDir, setupLink) : null;
  if (interactive) {
    process.stdout.write(`${banner(config, address, db, setupLink)}\n`);
  } else {
    logger.info({ url: address }, `${config.serviceName} is running at ${address}`);
    const notice = setupLink ? setupLinkNotice(false, db.kind, linkFile) : null;
    if (notice) logger.warn(notice);
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.warn('requests still running after the shutdown timeout; closing their connections');
      server.closeAllConnections();
    }, config.shutdownTimeoutMs);
    force.unref();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    stopHousekeeping();
    await stopNotifications();
    await db.close();
    clearTimeout(force);
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`Start-up failed: ${(err as Error).message}\n`);
  process.exit(1);
});
