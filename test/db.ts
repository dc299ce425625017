/**
 * A fresh, migrated database for one test file: a copy of the run's template (server: CREATE DATABASE
 * ... TEMPLATE; embedded: the dumped tarball loaded into memory). Files never share a database, so
 * they can run in parallel and never see each other's rows.
 */
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import knexFactory from 'knex';
import { openEmbeddedInMemory, openServerDatabase, type Database } from '../src/db/knex';
import { createLogger } from '../src/logger';
import { databaseUrl, templateName, testDatabasePrefix } from './db-names';

export interface TestDatabase extends Database {
  /** The connection URL (server only), for tests that start the app as a separate process. */
  url?: string;
  /** Closes and removes the database. */
  destroy(): Promise<void>;
}

export const usingServerDatabase = Boolean(process.env.TEST_DATABASE_URL);

function runId(): string {
  const id = process.env.TEST_RUN_ID;
  if (!id)
    throw new Error('TEST_RUN_ID is not set: run the tests with `npm test` (jest globalSetup)');
  return id;
}

/** Creates an empty database on the test server (no migrations), returning its URL. */
export async function createServerDatabase(
  fromTemplate: boolean,
): Promise<{ name: string; url: string }> {
  const serverUrl = process.env.TEST_DATABASE_URL!;
  const name = `${testDatabasePrefix(runId())}${randomBytes(5).toString('hex')}`;
  const admin = knexFactory({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });
  try {
    await admin.raw(
      `create database "${name}"${fromTemplate ? ` template "${templateName(runId())}"` : ''}`,
    );
  } finally {
    await admin.destroy();
  }
  return { name, url: databaseUrl(serverUrl, name) };
}

export async function dropServerDatabase(name: string): Promise<void> {
  const admin = knexFactory({
    client: 'pg',
    connection: process.env.TEST_DATABASE_URL!,
    pool: { min: 0, max: 1 },
  });
  try {
    await admin.raw(`drop database if exists "${name}" with (force)`);
  } finally {
    await admin.destroy();
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (usingServerDatabase) {
    const { name, url } = await createServerDatabase(true);
    const db = openServerDatabase(
      { kind: 'server', url, poolMax: 5, connectTimeoutMs: 5000, statementTimeoutMs: 30000 },
      createLogger('silent'),
    );
    return {
      ...db,
      url,
      destroy: async () => {
        await db.close();
        await dropServerDatabase(name);
      },
    };
  }
  const dumpFile = process.env.TEST_TEMPLATE_DUMP;
  if (!dumpFile)
    throw new Error(
      'TEST_TEMPLATE_DUMP is not set: run the tests with `npm test` (jest globalSetup)',
    );
  const db = await openEmbeddedInMemory(new Blob([fs.readFileSync(dumpFile)]));
  return { ...db, destroy: () => db.close() };
}
