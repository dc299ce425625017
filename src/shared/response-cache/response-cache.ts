/**
 * Rendered responses kept per data version (docs/adr/0012). Public pages, feeds and open-data files
 * are the same for every signed-out visitor until the data version changes (or, for what shows
 * overdue flags, the London day), so each is built once per version and kept in a byte-capped LRU,
 * already compressed (brotli and gzip, with the identity bytes), and sent by content negotiation.
 *
 * `publicResponse({ dated })` is put in front of a route's handler. For a signed-out GET or HEAD it:
 *   1. reads the data version (one primary-key lookup) and derives the ETag and Last-Modified from
 *      it, the day (when `dated`), the URL and the release; a matching conditional request is
 *      answered 304 at once;
 *   2. sends the kept response when there is one (a request arriving while the same response is
 *      being built waits for it rather than building it again);
 *   3. otherwise lets the handler build it, streaming to the client as it goes, copies the bytes
 *      on the way, and keeps them when the answer was a plain 200 that set no cookie, was not marked
 *      no-store or private, and carried no CSRF token.
 * A signed-in request (a session cookie that is not an anonymous session's) never reads from or
 * writes to the cache: it goes straight to the handler, which answers it `no-store`.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Request, RequestHandler, Response } from 'express';
import type { DataVersionReader } from '../../db/data-version';
import { londonMidnight, type CalendarDate } from '../calendar-date';
import type { Clock } from '../clock';
import { ByteLru } from './lru';

const gzip = promisify(zlib.gzip);
const brotli = promisify(zlib.brotliCompress);

/** Bodies smaller than this are not worth compressing (the compression middleware agrees). */
const COMPRESS_MIN_BYTES = 1024;
/** Above this, cheaper compression settings: built once per version, but still on this machine. */
const LARGE_BODY_BYTES = 512 * 1024;

interface Entry {
  version: number;
  day: CalendarDate;
  type: string | undefined;
  disposition: string | undefined;
  identity: Buffer;
  gzip?: Buffer;
  br?: Buffer;
}

/** What `wholeResponse`'s builder answers: kept when the status is 200. */
export interface WholeBody {
  status: number;
  /** The Content-Type, with its charset. */
  type: string;
  body: string | Buffer;
  headers?: Record<string, string>;
}

export interface ResponseCacheStats {
  hits: number;
  misses: number;
  stored: number;
  notModified: number;
  /** Requests that found their response being built and waited for it rather than build it too. */
  waited: number;
  entries: number;
  bytes: number;
}

export interface ResponseCacheDeps {
  versions: DataVersionReader;
  clock: Clock;
  /** The most bytes kept (identity and compressed copies together); 0 keeps nothing. */
  maxBytes: number;
  /** Whether a request may be answered as to any signed-out visitor. */
  isSignedOut(req: Request): boolean;
  /** Changes with the code and templates (see release.ts). */
  release: string;
}

function wholeSeconds(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 1000) * 1000);
}

export type ResponseCache = ReturnType<typeof createResponseCache>;

export function createResponseCache(deps: ResponseCacheDeps) {
  const { versions, clock, release } = deps;
  const lru = new ByteLru<Entry>(deps.maxBytes);
  // One entry may take at most half the cache, so one huge file cannot empty it for everything else.
  const maxEntryBytes = Math.floor(deps.maxBytes / 2);
  const building = new Map<string, Promise<void>>();
  const stats = { hits: 0, misses: 0, stored: 0, notModified: 0, waited: 0 };
  let latestVersion = -1;
  let latestDay = '';

  /** Forgets what was built for a version or a day that has passed: it can never be sent again. */
  function moveOn(version: number, day: CalendarDate): void {
    if (version <= latestVersion && day === latestDay) return;
    if (version > latestVersion) latestVersion = version;
    if (day > latestDay) latestDay = day;
    lru.prune((_key, e) => e.version < latestVersion || e.day < latestDay);
  }

  function send(req: Request, res: Response, entry: Entry): void {
    const encoding = req.acceptsEncodings('br', 'gzip', 'identity');
    let body = entry.identity;
    if (encoding === 'br' && entry.br) {
      body = entry.br;
      res.set('Content-Encoding', 'br');
    } else if (
      (encoding === 'br' || encoding === 'gzip') &&
      entry.gzip &&
      req.acceptsEncodings('gzip')
    ) {
      body = entry.gzip;
      res.set('Content-Encoding', 'gzip');
    }
    if (entry.type) res.set('Content-Type', entry.type);
    if (entry.disposition) res.set('Content-Disposition', entry.disposition);
    res.status(200).set('Content-Length', String(body.length));
    if (req.method === 'HEAD') res.end();
    else res.end(body);
  }

  async function compress(key: string, entry: Entry): Promise<void> {
    const size = entry.identity.length;
    if (size < COMPRESS_MIN_BYTES) return;
    const large = size > LARGE_BODY_BYTES;
    const [gz, br] = await Promise.all([
      gzip(entry.identity, { level: large ? 6 : 9 }),
      brotli(entry.identity, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: large ? 5 : 11,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: size,
        },
      }),
    ]);
    // Evicted (or replaced) while compressing: nothing to add to.
    if (lru.peek(key) !== entry) return;
    entry.gzip = gz;
    entry.br = br;
    lru.resize(key, size + gz.length + br.length);
  }

  function storable(res: Response): boolean {
    if (res.statusCode !== 200) return false;
    if (res.getHeader('Set-Cookie') !== undefined) return false;
    if (/\b(no-store|private)\b/i.test(String(res.getHeader('Cache-Control') ?? ''))) return false;
    // A page that carries a session's CSRF token belongs to that session alone.
    return !res.locals.csrfToken;
  }

  /**
   * Copies what the handler writes and keeps it when the response turns out storable. The copy is
   * taken inside the compression middleware (which wrapped the response before this route ran),
   * so it is the identity bytes whatever the client asked for.
   */
  function capture(res: Response, key: string, version: number, day: CalendarDate): void {
    let release!: () => void;
    building.set(
      key,
      new Promise<void>((resolve) => {
        release = resolve;
      }),
    );
    const chunks: Buffer[] = [];
    let size = 0;
    let overflow = false;
    const keep = (chunk: unknown, encoding: unknown) => {
      if (overflow || chunk === undefined || chunk === null || typeof chunk === 'function') return;
      const buffer = Buffer.isBuffer(chunk)
        ? Buffer.from(chunk)
        : chunk instanceof Uint8Array
          ? Buffer.from(chunk)
          : Buffer.from(
              String(chunk),
              typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8',
            );
      size += buffer.length;
      if (size > maxEntryBytes) {
        overflow = true;
        chunks.length = 0;
        return;
      }
      chunks.push(buffer);
    };
    type Write = (chunk: unknown, ...rest: unknown[]) => boolean;
    type End = (chunk?: unknown, ...rest: unknown[]) => Response;
    const target = res as unknown as { write: Write; end: End };
    const write = target.write.bind(res);
    const end = target.end.bind(res);
    target.write = (chunk, ...rest) => {
      keep(chunk, rest[0]);
      return write(chunk, ...rest);
    };
    target.end = (chunk, ...rest) => {
      keep(chunk, rest[0]);
      return end(chunk, ...rest);
    };
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      building.delete(key);
      release();
    };
    res.once('finish', () => {
      if (!overflow && storable(res) && version >= latestVersion) {
        const entry: Entry = {
          version,
          day,
          type: res.getHeader('Content-Type') as string | undefined,
          disposition: res.getHeader('Content-Disposition') as string | undefined,
          identity: Buffer.concat(chunks),
        };
        if (lru.set(key, entry, entry.identity.length)) {
          stats.stored += 1;
          compress(key, entry).catch(() => undefined);
        }
      }
      settle();
    });
    res.once('close', settle);
  }

  interface Validators {
    key: string;
    version: number;
    day: CalendarDate;
    headers: Record<string, string>;
  }

  /** The cache key and the validators of a signed-out request at the current version. */
  async function validators(
    req: Request,
    options: { dated: boolean; strong?: boolean; vary: string },
  ): Promise<Validators> {
    const { public: v } = await versions.read();
    const day = clock.today();
    const key = `${v.version}|${options.dated ? day : ''}|${req.originalUrl}`;
    const tag = createHash('sha256').update(`${release}|${key}`).digest('base64url');
    const startOfDay = londonMidnight(day);
    const changed = options.dated && startOfDay > v.changedAt ? startOfDay : v.changedAt;
    return {
      key,
      version: v.version,
      day,
      headers: {
        ETag: options.strong ? `"${tag}"` : `W/"${tag}"`,
        'Last-Modified': wholeSeconds(changed).toUTCString(),
        'Cache-Control': 'public, no-cache',
        Vary: options.vary,
      },
    };
  }

  /**
   * The kept response for `key`, waiting for one that is being built. Synchronous when there is
   * nothing to wait for, so that a caller that finds nothing can mark its own build before any
   * other request looks (no await between the look and the mark).
   */
  function kept(key: string): Entry | undefined | Promise<Entry | undefined> {
    const entry = lru.get(key);
    if (entry) return entry;
    const running = building.get(key);
    if (!running) return undefined;
    stats.waited += 1;
    return running.then(() => lru.get(key));
  }

  return {
    /**
     * The middleware for one public route. `dated`: the response shows flags that turn with the
     * London day (overdue, days remaining), so the day is part of its key and validators.
     */
    publicResponse(options: { dated: boolean }): RequestHandler {
      return async (req, res, next) => {
        if ((req.method !== 'GET' && req.method !== 'HEAD') || !deps.isSignedOut(req))
          return next();
        const { key, version, day, headers } = await validators(req, {
          dated: options.dated,
          vary: 'Cookie, Accept-Encoding',
        });
        res.set(headers);
        if (req.fresh) {
          stats.notModified += 1;
          res.status(304).end();
          return;
        }
        moveOn(version, day);
        let entry = kept(key);
        if (entry instanceof Promise) entry = await entry;
        if (entry) {
          stats.hits += 1;
          send(req, res, entry);
          return;
        }
        stats.misses += 1;
        if (req.method === 'GET' && deps.maxBytes > 0) capture(res, key, version, day);
        next();
      };
    },

    /**
     * For a handler that makes its whole body at once and is the same for every caller it is used
     * for (the JSON API's public reads without a token; the caller decides who that is): answers a
     * GET or HEAD from the kept body, or a 304 from the version alone, and otherwise runs `build`
     * once however many ask meanwhile, keeping a 200 for the version. `build` may throw (an
     * AppError is answered by the error handler as usual; nothing is kept). Validators are set on
     * a 200 and a 304 only, so an error never carries an ETag. `strong`: a strong ETag (the body's
     * identity bytes are exactly the same for the same key and release).
     */
    async wholeResponse(
      req: Request,
      res: Response,
      options: { dated: boolean; strong: boolean; vary: string },
      build: () => Promise<WholeBody>,
    ): Promise<void> {
      const { key, version, day, headers } = await validators(req, options);
      if (req.get('if-none-match') !== undefined || req.get('if-modified-since') !== undefined) {
        res.set(headers);
        if (req.fresh) {
          stats.notModified += 1;
          res.status(304).end();
          return;
        }
        for (const name of Object.keys(headers)) res.removeHeader(name);
      }
      moveOn(version, day);
      let entry = kept(key);
      if (entry instanceof Promise) entry = await entry;
      if (entry) {
        stats.hits += 1;
        res.set(headers);
        send(req, res, entry);
        return;
      }
      stats.misses += 1;
      // Others asking for the same key meanwhile wait for this build (see `kept`).
      let done = (): void => undefined;
      const mine = deps.maxBytes > 0 && !building.has(key);
      if (mine)
        building.set(
          key,
          new Promise<void>((resolve) => {
            done = resolve;
          }),
        );
      let built: WholeBody;
      try {
        built = await build();
      } finally {
        if (mine) {
          building.delete(key);
          done();
        }
      }
      for (const [name, value] of Object.entries(built.headers ?? {})) res.set(name, value);
      if (built.status !== 200) {
        res.status(built.status).type(built.type).send(built.body);
        return;
      }
      const identity = Buffer.isBuffer(built.body) ? built.body : Buffer.from(built.body);
      entry = { version, day, type: built.type, disposition: undefined, identity };
      if (
        deps.maxBytes > 0 &&
        identity.length <= maxEntryBytes &&
        version >= latestVersion &&
        lru.set(key, entry, identity.length)
      ) {
        stats.stored += 1;
        compress(key, entry).catch(() => undefined);
      }
      res.set(headers);
      send(req, res, entry);
    },

    stats(): ResponseCacheStats {
      return { ...stats, entries: lru.size, bytes: lru.bytes };
    },

    /** Drops everything (tests, and an administrator's "something looks stale" lever). */
    clear(): void {
      lru.prune(() => true);
    },
  };
}
