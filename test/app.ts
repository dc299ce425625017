/** Builds the real app around a test database and a clock the test controls. */
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { createApp } from '../src/app';
import { loadConfig, type Config } from '../src/config';
import { createLogger } from '../src/logger';
import { buildServices } from '../src/services';
import { fixedClock } from '../src/shared/clock';
import type { EvidenceStore } from '../src/modules/assignments/evidence.store';

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', PASSWORD_HASH_COST: 'test' }),
    secretKey: randomBytes(32),
    ...overrides,
  };
}

export function buildTestApp(
  knex: Knex,
  options: { now?: string; config?: Partial<Config>; evidenceStore?: EvidenceStore } = {},
) {
  const clock = fixedClock(options.now ?? '2026-11-28T12:00:00Z');
  const config = testConfig(options.config);
  const services = buildServices({
    knex,
    clock,
    config,
    logger: createLogger('silent'),
    evidenceStore: options.evidenceStore,
  });
  return { app: createApp(services), clock, services };
}
