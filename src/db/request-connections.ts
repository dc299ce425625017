/**
 * At most one database connection per request. Under load, a request that runs several statements
 * at once (Promise.all over a page's sections) holds several pool connections; enough such requests
 * drain the pool, every one of them waits for a connection another holds, and they all time out
 * together. Here each request's statements take turns on the pool instead: a request asks for its
 * next connection only after releasing the last, so N connections always serve N requests.
 *
 * This never deadlocks code that works on the embedded database, which has a single connection:
 * such code cannot need two connections at once. As a safety valve, a statement that has waited for
 * its own request's turn longer than the pool's acquire timeout goes ahead anyway.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestHandler } from 'express';
import type { Knex } from 'knex';

interface RequestTurns {
  /** Resolves when the request's current connection (if any) has gone back to the pool. */
  tail: Promise<void>;
}

const turns = new AsyncLocalStorage<RequestTurns>();
const PATCHED = Symbol('oneConnectionPerRequest');
const RELEASE = Symbol('releaseTurn');

type Connection = Record<symbol, (() => void) | undefined>;
interface PoolClient {
  acquireConnection(): Promise<Connection>;
  releaseConnection(connection: Connection): Promise<void>;
  config?: { pool?: { acquireTimeoutMillis?: number } };
  [PATCHED]?: boolean;
}

/** Makes `knex` take turns within a request (idempotent). */
export function limitConnectionsPerRequest(knex: Knex): void {
  const client = knex.client as unknown as PoolClient;
  if (client[PATCHED]) return;
  client[PATCHED] = true;
  const acquire = client.acquireConnection.bind(client);
  const release = client.releaseConnection.bind(client);
  const maxWaitMs = (client.config?.pool?.acquireTimeoutMillis ?? 60_000) + 1_000;

  client.acquireConnection = async () => {
    const mine = turns.getStore();
    if (!mine) return acquire();
    const previous = mine.tail;
    let done!: () => void;
    mine.tail = new Promise<void>((resolve) => {
      done = resolve;
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      previous,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, maxWaitMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    try {
      const connection = await acquire();
      connection[RELEASE] = done;
      return connection;
    } catch (err) {
      done();
      throw err;
    }
  };
  client.releaseConnection = async (connection) => {
    const done = connection[RELEASE];
    connection[RELEASE] = undefined;
    try {
      return await release(connection);
    } finally {
      done?.();
    }
  };
}

/** The middleware that gives each request its own turn-taking (mount it first). */
export function oneConnectionPerRequest(): RequestHandler {
  return (_req, _res, next) => turns.run({ tail: Promise.resolve() }, next);
}
