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
import { createAccountsRepository } from './modules/accounts/accounts.repository';
import { createSessionService } from './modules/accounts/sessions.service';
import { createSignInService } from './modules/accounts/sign-in.service';
import {
  createPasswordHasher,
  CURRENT_SCRYPT_PARAMS,
  TEST_SCRYPT_PARAMS,
} from './modules/accounts/password';

export interface ServiceDeps {
  knex: Knex;
  clock: Clock;
  config: Config;
  logger: Logger;
}

export function buildServices({ knex, clock, config, logger }: ServiceDeps) {
  if (!config.secretKey)
    throw new Error('buildServices needs config.secretKey (see ensureSecretKey in startup.ts)');
  const accountsRepository = createAccountsRepository();
  const hasher = createPasswordHasher(
    config.passwordHashCost === 'test' ? TEST_SCRYPT_PARAMS : CURRENT_SCRYPT_PARAMS,
  );
  const sessions = createSessionService({
    knex,
    clock,
    idleMinutes: config.session.idleMinutes,
    absoluteHours: config.session.absoluteHours,
  });
  return {
    sessions,
    hasher,
    accountsRepository,
    signIn: createSignInService({
      knex,
      clock,
      repository: accountsRepository,
      sessions,
      hasher,
      secretKey: config.secretKey,
    }),
    config,
    logger,
    clock,
    register: createRegisterService({ repository: createRegisterRepository(knex), clock }),
    health: createHealthService(knex),
  };
}

export type Services = ReturnType<typeof buildServices>;
