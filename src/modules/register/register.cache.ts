/**
 * Conditional GETs for the public pages. Each page's validators come from `publicVersion` (the
 * latest change in any table that feeds public pages, with row counts) and today's date (overdue
 * flags change at midnight), so anything published or withdrawn changes them at once and no writer
 * has to remember to bump a counter. The check costs one small query; a 304 skips the page's own
 * queries and rendering. Signed-in visitors see their own header (and get no-store from the
 * session middleware), so only signed-out requests are given validators.
 */
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { addDays, type CalendarDate } from '../../shared/calendar-date';
import { endOfLondonDay } from './register.service';

export interface PublicVersion {
  changedAt: Date | null;
  fingerprint: string;
}

/**
 * Sets ETag, Last-Modified and Cache-Control (public, no-cache: store, but ask every time) and,
 * when the request's validators still match, answers 304 and returns true.
 */
export async function answeredFromCache(
  req: Request,
  res: Response,
  version: () => Promise<PublicVersion>,
  today: CalendarDate,
): Promise<boolean> {
  if (req.user) return false;
  const v = await version();
  const startOfToday = endOfLondonDay(addDays(today, -1));
  const changed = v.changedAt && v.changedAt > startOfToday ? v.changedAt : startOfToday;
  const tag = createHash('sha256')
    .update([v.fingerprint, v.changedAt?.toISOString() ?? '', today, req.originalUrl].join('|'))
    .digest('base64url')
    .slice(0, 27);
  res.set({
    ETag: `W/"${tag}"`,
    'Last-Modified': new Date(Math.floor(changed.getTime() / 1000) * 1000).toUTCString(),
    'Cache-Control': 'public, no-cache',
    Vary: 'Cookie',
  });
  if (req.fresh) {
    res.status(304).end();
    return true;
  }
  return false;
}
