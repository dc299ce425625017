/**
 * Writes an Atom feed (RFC 4287). Every piece of text goes through `xmlText`, which escapes markup
 * characters and drops characters XML 1.0 does not allow at all (control characters, unpaired
 * surrogates), so whatever people typed into the register, the feed stays well-formed.
 *
 * Usage: `atomFeed({ id, title, updated, selfHref, alternateHref, author, entries: [...] })`.
 */

/** Characters XML 1.0 forbids in a document (even escaped), including unpaired surrogates. */
const FORBIDDEN =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text safe inside an element or a double-quoted attribute. */
export function xmlText(value: string): string {
  return value
    .replace(FORBIDDEN, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export interface AtomEntry {
  /** A permanent, unique IRI (we use tag: URIs, RFC 4151). */
  id: string;
  title: string;
  updated: Date;
  published?: Date;
  /** The public page the entry is about. */
  href: string;
  /** Plain text; newlines are kept. */
  content: string;
  categories?: string[];
}

export interface AtomFeed {
  id: string;
  title: string;
  subtitle?: string;
  updated: Date;
  selfHref: string;
  alternateHref: string;
  author: string;
  rights?: string;
  entries: AtomEntry[];
}

const el = (name: string, text: string, attrs = '') =>
  `<${name}${attrs}>${xmlText(text)}</${name}>`;

export function atomFeed(feed: AtomFeed): string {
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en-GB">',
    el('id', feed.id),
    el('title', feed.title, ' type="text"'),
  ];
  if (feed.subtitle) lines.push(el('subtitle', feed.subtitle, ' type="text"'));
  lines.push(
    el('updated', feed.updated.toISOString()),
    `<link rel="self" type="application/atom+xml" href="${xmlText(feed.selfHref)}"/>`,
    `<link rel="alternate" type="text/html" href="${xmlText(feed.alternateHref)}"/>`,
    `<author>${el('name', feed.author)}</author>`,
  );
  if (feed.rights) lines.push(el('rights', feed.rights, ' type="text"'));
  for (const e of feed.entries) {
    lines.push(
      '<entry>',
      el('id', e.id),
      el('title', e.title, ' type="text"'),
      el('updated', e.updated.toISOString()),
    );
    if (e.published) lines.push(el('published', e.published.toISOString()));
    lines.push(`<link rel="alternate" type="text/html" href="${xmlText(e.href)}"/>`);
    for (const term of e.categories ?? []) lines.push(`<category term="${xmlText(term)}"/>`);
    lines.push(el('content', e.content, ' type="text"'), '</entry>');
  }
  lines.push('</feed>');
  return lines.join('\n') + '\n';
}
