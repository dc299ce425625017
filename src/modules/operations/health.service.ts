/** Liveness and readiness: is the process up, and can it reach a database whose schema is current? */
import type { Knex } from 'knex';
import { pendingMigrations } from '../../db/migrate';

const READY_TIMEOUT_MS = 3000;

export interface Readiness {
  ready: boolean;
  database: 'ok' | 'unreachable';
  migrations: 'current' | 'pending' | 'unknown';
  pending?: string[];
}

export type HealthService = ReturnType<typeof createHealthService>;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function createHealthService(knex: Knex) {
  return {
    async readiness(): Promise<Readiness> {
      try {
        await withTimeout(knex.raw('select 1'), READY_TIMEOUT_MS);
      } catch {
        return { ready: false, database: 'unreachable', migrations: 'unknown' };
      }
      try {
        const pending = await withTimeout(pendingMigrations(knex), READY_TIMEOUT_MS);
        return pending.length === 0
          ? { ready: true, database: 'ok', migrations: 'current' }
          : { ready: false, database: 'ok', migrations: 'pending', pending };
      } catch {
        return { ready: false, database: 'ok', migrations: 'unknown' };
      }
    },
  };
}
