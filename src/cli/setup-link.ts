/**
 * `npm run setup-link`: prints a one-time link that creates the first administrator, while there is
 * none (24 hours; older links stop working). Uses the app's settings. On the embedded database
 * while the app is running (it holds DATA_DIR), prints the link the app wrote to
 * DATA_DIR/setup-link.txt instead. In the container: `node dist/src/cli/setup-link.js`.
 */
import fs from 'node:fs';
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { DataDirInUseError, openDatabase } from '../db/knex';
import { pendingMigrations } from '../db/migrate';
import { issueSetupLinkIfNoAdmin } from '../modules/accounts/one-time-links.service';
import { systemClock } from '../shared/clock';
import { setupLinkFile } from '../setup-link-file';

async function main(): Promise<string> {
  const config = loadConfig();
  let db;
  try {
    db = await openDatabase(config.database, createLogger('warn'));
  } catch (err) {
    if (!(err instanceof DataDirInUseError)) throw err;
    const file = setupLinkFile(config.dataDir);
    if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
    throw new Error(
      `${err.message} It wrote no setup link to ${file}: an administrator exists already, or it printed the link in its terminal.`,
    );
  }
  try {
    if ((await pendingMigrations(db.knex)).length)
      throw new Error('The database is not set up yet: start the app once (npm start) first.');
    const link = await issueSetupLinkIfNoAdmin(db.knex, systemClock, config.publicBaseUrl);
    return (
      link ??
      'An administrator account exists already; no setup link is needed. Administrators invite everyone else.'
    );
  } finally {
    await db.close();
  }
}

main().then(
  (message) => process.stdout.write(`${message}\n`),
  (err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  },
);
