/**
 * Cursor pagination for /api/v1 lists. A cursor is a keyset position (the sort key of the last item
 * on the page), never an offset: inserts before it do not shift later pages. It is
 * base64url(JSON) plus an HMAC over the list's name and the key, so a client cannot forge or edit
 * one (an edited cursor is refused with 400 naming `cursor`), and a cursor from one list cannot be
 * used on another. Cursors carry no secrets; the HMAC only makes them opaque and tamper-evident.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Type, type TSchema } from '@sinclair/typebox';
import { ValidationError } from '../errors';

export const DEFAULT_LIMIT = 25;
export const MAX_LIMIT = 100;
const MAX_CURSOR_LENGTH = 512;

/** Query properties every paginated list accepts: spread them into the route's query schema. */
export const paginationQuery = {
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_LIMIT,
      description: `a whole number from 1 to ${MAX_LIMIT} (items per page; default ${DEFAULT_LIMIT})`,
    }),
  ),
  cursor: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: MAX_CURSOR_LENGTH,
      pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$',
      description: 'the opaque value from links.next of the previous page',
    }),
  ),
};

const Link = Type.String({ description: 'A path on this server, with its query string' });
const NullableLink = Type.Union([Link, Type.Null()]);

/** The envelope of a paginated list, around `item`. */
export function pageOf(item: TSchema, extra: Record<string, TSchema> = {}) {
  return Type.Object(
    {
      items: Type.Array(item),
      limit: Type.Integer({ minimum: 1, maximum: MAX_LIMIT, description: 'Items per page' }),
      total: Type.Integer({ minimum: 0, description: 'Items matching the filters, on all pages' }),
      ...extra,
      links: Type.Object(
        {
          self: Link,
          next: Type.Union([Link, Type.Null()], {
            description: 'The next page, or null on the last page',
          }),
          prev: NullableLink,
        },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false },
  );
}

export type CursorKey = (string | number | null)[];

export interface CursorCodec {
  encode(list: string, key: CursorKey): string;
  /** The key in `cursor`, or a 400 naming `cursor` when it was not made by us for this list. */
  decode(list: string, cursor: string, arity: number): CursorKey;
}

const INVALID_CURSOR = () =>
  new ValidationError([
    {
      field: 'cursor',
      message:
        'cursor is not one this API gave out for this list. Start again from the first page, without a cursor',
    },
  ]);

export function createCursorCodec(secret: Buffer): CursorCodec {
  const key = createHmac('sha256', secret).update('api-cursor-v1').digest();
  const mac = (list: string, payload: string) =>
    createHmac('sha256', key).update(`${list}\n${payload}`).digest().subarray(0, 16);
  return {
    encode(list, values) {
      const payload = Buffer.from(JSON.stringify(values)).toString('base64url');
      return `${payload}.${mac(list, payload).toString('base64url')}`;
    },
    decode(list, cursor, arity) {
      const [payload, given, ...rest] = cursor.split('.');
      if (!payload || !given || rest.length) throw INVALID_CURSOR();
      const expected = mac(list, payload);
      const actual = Buffer.from(given, 'base64url');
      if (actual.length !== expected.length || !timingSafeEqual(actual, expected))
        throw INVALID_CURSOR();
      let values: unknown;
      try {
        values = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      } catch {
        throw INVALID_CURSOR();
      }
      if (
        !Array.isArray(values) ||
        values.length !== arity ||
        !values.every((v) => v === null || typeof v === 'string' || typeof v === 'number')
      )
        throw INVALID_CURSOR();
      return values as CursorKey;
    },
  };
}

export type SortOrder = readonly ('asc' | 'desc')[];

/** Compares two sort keys element by element in the given directions; nulls always come last. */
export function compareKeys(a: CursorKey, b: CursorKey, order: SortOrder = []): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === y) continue;
    if (x === null) return 1;
    if (y === null) return -1;
    const sign = order[i] === 'desc' ? -1 : 1;
    if (typeof x === 'number' && typeof y === 'number') return sign * (x - y);
    return sign * (String(x) < String(y) ? -1 : 1);
  }
  return 0;
}

/**
 * Keyset paging of a short list the service reads whole anyway (reports, organisations): sorts by
 * `keyOf` in `order` (code-point order for text, so it never depends on a database collation),
 * then takes at most `limit` items after `after`. Long lists page in SQL instead.
 */
export function pageAfter<T>(
  items: T[],
  keyOf: (item: T) => CursorKey,
  order: SortOrder,
  after: CursorKey | null,
  limit: number,
): { items: T[]; more: boolean } {
  const sorted = [...items].sort((a, b) => compareKeys(keyOf(a), keyOf(b), order));
  return pageAfterSorted(sorted, keyOf, order, after, limit);
}

/**
 * The same page of a list already sorted by `keyOf` in `order` (for a list kept sorted, so paging
 * it does not sort it again): the first item after `after` is found by binary search.
 */
export function pageAfterSorted<T>(
  sorted: readonly T[],
  keyOf: (item: T) => CursorKey,
  order: SortOrder,
  after: CursorKey | null,
  limit: number,
): { items: T[]; more: boolean } {
  let from = 0;
  if (after) {
    let to = sorted.length;
    while (from < to) {
      const mid = (from + to) >> 1;
      if (compareKeys(keyOf(sorted[mid]!), after, order) > 0) to = mid;
      else from = mid + 1;
    }
  }
  return { items: sorted.slice(from, from + limit), more: sorted.length - from > limit };
}
