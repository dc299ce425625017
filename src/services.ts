/**
 * The composition root: every service is built here from the database, the clock and the config,
 * and handed to createApp. No module keeps a singleton of its own.
 */
import type { Knex } from 'knex';
import type { Config } from './config';
import type { Logger } from './logger';
import type { Clock } from './shared/clock';
import { createRegisterRepository } from './modules/register/register.repository';
import { createRegisterService } from './modules/register/register.service';
import { createHealthService } from './modules/operations/health.service';

export interface ServiceDeps {
  knex: Knex;
  clock: Clock;
  config: Config;
  logger: Logger;
}

export function buildServices({ knex, clock, config, logger }: ServiceDeps) {
  return {
    config,
    logger,
    clock,
    register: createRegisterService({ repository: createRegisterRepository(knex), clock }),
    health: createHealthService(knex),
  };
}

export type Services = ReturnType<typeof buildServices>;
