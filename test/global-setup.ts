/**
 * Runs once before all test files: migrates one template database, which each test file then copies
 * (see test/db.ts). With TEST_DATABASE_URL the template is a database on that server; without it, it
 * is an embedded database dumped to a tarball.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import { dumpEmbedded, openEmbeddedInMemory, openServerDatabase } from '../src/db/knex';
import { migrateToLatest } from '../src/db/migrate';
import { createLogger } from '../src/logger';
import { databaseUrl, templateName } from './db-names';

export default async function globalSetup(): Promise<void> {
  const runId = `${Date.now().toString(36)}${process.pid}`;
  process.env.TEST_RUN_ID = runId;
  const logger = createLogger('silent');
  const serverUrl = process.env.TEST_DATABASE_URL;

  if (serverUrl) {
    const admin = knexFactory({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });
    try {
      await admin.raw(`create database "${templateName(runId)}"`);
    } finally {
      await admin.destroy();
    }
    const template = openServerDatabase(
      {
        kind: 'server',
        url: databaseUrl(serverUrl, templateName(runId)),
        poolMax: 2,
        connectTimeoutMs: 5000,
        statementTimeoutMs: 60000,
      },
      logger,
    );
    try {
      await migrateToLatest(template);
    } finally {
      await template.close();
    }
    return;
  }

  const db = await openEmbeddedInMemory();
  try {
    await migrateToLatest(db);
    const dump = await dumpEmbedded(db);
    const file = path.join(os.tmpdir(), `tracker-test-template-${runId}.tar`);
    fs.writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
    process.env.TEST_TEMPLATE_DUMP = file;
  } finally {
    await db.close();
  }
}
