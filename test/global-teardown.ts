/** Removes this run's template and any test database a crashed test file left behind. */
import fs from 'node:fs';
import knexFactory from 'knex';
import { templateName, testDatabasePrefix } from './db-names';

export default async function globalTeardown(): Promise<void> {
  const runId = process.env.TEST_RUN_ID;
  if (!runId) return;
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (serverUrl) {
    const admin = knexFactory({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });
    try {
      const { rows } = await admin.raw(
        'select datname from pg_database where datname like ? or datname = ?',
        [`${testDatabasePrefix(runId)}%`, templateName(runId)],
      );
      for (const { datname } of rows as { datname: string }[])
        await admin.raw(`drop database if exists "${datname}" with (force)`);
    } finally {
      await admin.destroy();
    }
  }
  if (process.env.TEST_TEMPLATE_DUMP) fs.rmSync(process.env.TEST_TEMPLATE_DUMP, { force: true });
}
