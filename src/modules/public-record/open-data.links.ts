/**
 * The Atom feeds a public page offers in its head (`<link rel="alternate">`; the layout renders
 * `feedLinks`). Each page that has a feed asks for its links here, from its own controller.
 */
import { paths } from '../../shared/paths';

export interface FeedLink {
  title: string;
  href: string;
}

const ALL: FeedLink = { title: 'All published changes (Atom)', href: paths.openData.feed() };

export const feedLinksFor = {
  /** The overview and the open data page: every published change. */
  site: (): FeedLink[] => [ALL],
  report: (slug: string): FeedLink[] => [
    { title: 'Published changes for this report (Atom)', href: paths.openData.reportFeed(slug) },
    ALL,
  ],
  organisation: (slug: string): FeedLink[] => [
    {
      title: 'Published changes for this organisation (Atom)',
      href: paths.openData.organisationFeed(slug),
    },
    ALL,
  ],
};
