/**
 * What each page tells search engines and link previews, set before the routers run (the layout
 * prints it in the head): on a public page, a description and Open Graph tags; on a signed-in,
 * account or form page, `noindex`. A page's own `metaDescription` (the overview and report pages
 * write one from their figures) wins over the description here, which is chosen by the path alone
 * and follows the page's title ("LIN-01: …: what the recommendation asks, …").
 */
import type { RequestHandler } from 'express';
import type { Config } from '../../config';

/** Signed-in areas, account links and forms: not for search engines or link previews. */
const PRIVATE =
  /^\/(?:workspace|admin|account|sign-in|sign-out|signed-out|setup|invitations|reset-password|follow)(?:\/|$)|^\/recommendations\/[^/]+\/(?:feedback|follow)(?:\/|$)/;

/** What a public page offers, by path; the layout puts the page's title before it. */
const DESCRIPTIONS: [RegExp, string][] = [
  [
    /^\/$/,
    'where the recommendations of oversight bodies stand: who each is addressed to, the responses, what is overdue and what has been implemented.',
  ],
  [/^\/reports$/, 'the reports whose recommendations this tracker follows, and where each stands.'],
  [/^\/reports\/[^/]+$/, 'its recommendations, who each is addressed to and where each stands.'],
  [
    /^\/recommendations$/,
    'every recommendation, with who it is addressed to, each response and its status, searchable by report, organisation, theme and status.',
  ],
  [
    /^\/recommendations\/[^/]+$/,
    'what the recommendation asks, who it is addressed to, each response, its status and why, and its public timeline.',
  ],
  [
    /^\/organisations$/,
    'the organisations recommendations are addressed to, with how many each has and how many are still open.',
  ],
  [
    /^\/organisations\/[^/]+$/,
    'the recommendations addressed to this organisation, its responses and where each stands.',
  ],
  [
    /^\/data$/,
    'everything public in the tracker to download as CSV or JSON, with Atom feeds of published changes.',
  ],
];
const OTHERWISE =
  'the public record of recommendations made by oversight bodies and how they are being put into practice.';

export function isPrivatePage(path: string): boolean {
  return PRIVATE.test(path);
}

export function pageMetadata(config: Config): RequestHandler {
  return (req, res, next) => {
    if (isPrivatePage(req.path)) {
      res.locals.noIndex = true;
      return next();
    }
    res.locals.openGraph = {
      description: DESCRIPTIONS.find(([pattern]) => pattern.test(req.path))?.[1] ?? OTHERWISE,
      // Only an address someone configured is worth giving to other sites (not localhost).
      url: config.publicBaseUrlConfigured ? `${config.publicBaseUrl}${req.path}` : null,
    };
    next();
  };
}
