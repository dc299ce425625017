/**
 * The "addressed to" filter of the recommendations list and the dashboards: a text field instead of
 * a list of every organisation (at 5,000 organisations that list was most of each page's bytes).
 * Someone types a name, part of one or a slug; the server matches it against the organisations that
 * have live assignments:
 *   - a slug of one of them, or exactly one name matching (case, accents, punctuation and spacing
 *     ignored; the whole name, or the words typed appearing in it), filters by that organisation;
 *     anything but its slug is first redirected to the slug, so each filter has one address;
 *   - several matches ask the visitor to choose, listing the first few as links;
 *   - none says so.
 * The field offers a datalist: every organisation while there are few, otherwise the matches for
 * what was typed; with JavaScript (public/js/organisation-filter.js) it fills as one types from
 * `/organisation-suggestions`.
 */
import { paths, withQuery } from '../../shared/paths';

export interface FilterOrganisation {
  slug: string;
  name: string;
}

/** While there are at most this many organisations, the datalist offers all of them. */
export const DATALIST_ALL_MAX = 50;
/** The most matches listed to choose from, offered in a datalist, or suggested as one types. */
export const ORGANISATION_MATCHES_MAX = 10;

export type OrganisationMatch =
  | { kind: 'one'; organisation: FilterOrganisation }
  | { kind: 'several'; choices: FilterOrganisation[]; total: number }
  | { kind: 'none' };

/** Lower case, without accents, punctuation as spaces, spaces collapsed. */
export function foldName(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * The organisations `text` may mean, best first: names starting with it, then names with a word
 * starting with it, then names containing it; alphabetical within each.
 */
export function organisationsMatching(
  text: string,
  organisations: readonly FilterOrganisation[],
): FilterOrganisation[] {
  const wanted = foldName(text);
  if (!wanted) return [];
  const words = wanted.split(' ');
  const ranked: { o: FilterOrganisation; rank: number }[] = [];
  for (const o of organisations) {
    const name = foldName(o.name);
    const slug = foldName(o.slug);
    let rank: number;
    if (name.startsWith(wanted) || slug.startsWith(wanted)) rank = 0;
    else if (name.includes(` ${wanted}`) || slug.includes(` ${wanted}`)) rank = 1;
    else if (words.every((w) => name.includes(w))) rank = 2;
    else continue;
    ranked.push({ o, rank });
  }
  ranked.sort(
    (a, b) => a.rank - b.rank || (a.o.name < b.o.name ? -1 : a.o.name > b.o.name ? 1 : 0),
  );
  return ranked.map((r) => r.o);
}

/** What the typed `text` selects among `organisations`. */
export function matchOrganisation(
  text: string,
  organisations: readonly FilterOrganisation[],
): OrganisationMatch {
  const trimmed = text.trim();
  const bySlug = organisations.find((o) => o.slug === trimmed.toLowerCase());
  if (bySlug) return { kind: 'one', organisation: bySlug };
  const folded = foldName(trimmed);
  const byName = organisations.filter((o) => foldName(o.name) === folded);
  if (byName.length === 1) return { kind: 'one', organisation: byName[0]! };
  const matches = byName.length > 1 ? byName : organisationsMatching(trimmed, organisations);
  if (matches.length === 1) return { kind: 'one', organisation: matches[0]! };
  if (matches.length === 0) return { kind: 'none' };
  return {
    kind: 'several',
    choices: matches.slice(0, ORGANISATION_MATCHES_MAX),
    total: matches.length,
  };
}

/**
 * Where to send a request whose `organisation` names one organisation by anything but its slug:
 * the same path with the slug instead (and from the first page), or null when there is nothing to
 * redirect (no filter, the slug already, or not exactly one match).
 */
export function canonicalOrganisationHref(
  path: string,
  query: Record<string, unknown>,
  organisations: readonly FilterOrganisation[],
): string | null {
  const raw = query.organisation;
  if (typeof raw !== 'string' || !raw.trim()) return null;
  const match = matchOrganisation(raw, organisations);
  if (match.kind !== 'one' || match.organisation.slug === raw) return null;
  const rest: Record<string, string> = {};
  for (const [key, value] of Object.entries(query))
    if (typeof value === 'string' && key !== 'page' && key !== 'orgPage') rest[key] = value;
  return withQuery(path, { ...rest, organisation: match.organisation.slug });
}

export interface OrganisationField {
  /** What the field shows: the organisation's name once chosen, or what was typed. */
  value: string;
  /** The datalist's entries (names). */
  options: string[];
  /** Where the script asks for suggestions as one types; null when the datalist has them all. */
  suggestHref: string | null;
  /** Set when what was typed chose no organisation: the message, and the choices when several. */
  error: { text: string; choices: { text: string; href: string }[]; more: number } | null;
}

/**
 * The field as the page shows it. `typed` is the raw query value; `chosenHref` builds the page's
 * address filtered by one organisation (for the choices).
 */
export function organisationField(
  typed: string | undefined,
  organisations: readonly FilterOrganisation[],
  chosenHref: (slug: string) => string,
): { field: OrganisationField; slug: string | undefined } {
  const all = organisations.length <= DATALIST_ALL_MAX ? organisations.map((o) => o.name) : null;
  const text = typed?.trim() ?? '';
  const suggestHref = all ? null : paths.organisationSuggestions();
  if (!text)
    return { field: { value: '', options: all ?? [], suggestHref, error: null }, slug: undefined };
  const match = matchOrganisation(text, organisations);
  if (match.kind === 'one')
    return {
      field: {
        value: match.organisation.name,
        options: all ?? [match.organisation.name],
        suggestHref,
        error: null,
      },
      slug: match.organisation.slug,
    };
  if (match.kind === 'none')
    return {
      field: {
        value: text,
        options: all ?? [],
        suggestHref,
        error: {
          text: `No organisation with recommendations matches “${text}”. Check the spelling, or type part of the name.`,
          choices: [],
          more: 0,
        },
      },
      slug: undefined,
    };
  return {
    field: {
      value: text,
      options: all ?? match.choices.map((o) => o.name),
      suggestHref,
      error: {
        text: `${match.total} organisations match “${text}”. Choose one, or type more of the name.`,
        choices: match.choices.map((o) => ({ text: o.name, href: chosenHref(o.slug) })),
        more: match.total - match.choices.length,
      },
    },
    slug: undefined,
  };
}
