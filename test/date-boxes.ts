/**
 * Dates as the GOV.UK date input sends and shows them (views/partials/date-input.hbs), for route
 * tests that fill in a form the way a browser does.
 *
 *   post(url, { ...dateBoxes('fromOn', '2022-01-10'), reason: 'x' })  // fromOn-day=10, -month=1, -year=2022
 *   post(url, { ...typedBoxes('fromOn', '31', '2', '2022') })
 *   expect(boxesShown(html, 'fromOn')).toEqual({ day: '31', month: '2', year: '2022' })
 */

/** The three boxes for a real date, written as a person would type it (no leading zeros). */
export function dateBoxes(name: string, iso: string): Record<string, string> {
  const [year, month, day] = iso.split('-');
  return typedBoxes(name, String(Number(day)), String(Number(month)), year ?? '');
}

/** The three boxes exactly as typed, right or wrong. */
export function typedBoxes(
  name: string,
  day: string,
  month: string,
  year: string,
): Record<string, string> {
  return { [`${name}-day`]: day, [`${name}-month`]: month, [`${name}-year`]: year };
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * What a page shows in the boxes of the date input whose day box has id `id`: the value of each box
 * (undefined when the page has no such box), and which boxes are marked as wrong.
 */
export function boxesShown(
  html: string,
  id: string,
): { day?: string; month?: string; year?: string; marked: string[] } {
  const shown: { day?: string; month?: string; year?: string; marked: string[] } = { marked: [] };
  for (const part of ['day', 'month', 'year'] as const) {
    const boxId = part === 'day' ? id : `${id}-${part}`;
    const input = new RegExp(
      `<input class="([^"]*)" id="${escapeRegExp(boxId)}"[^>]*value="([^"]*)"`,
    );
    const m = input.exec(html);
    if (!m) continue;
    shown[part] = m[2];
    if (m[1]!.split(' ').includes('govuk-input--error')) shown.marked.push(part);
  }
  return shown;
}

/** The links of the page's error summary, in order. */
export function summaryLinks(html: string): string[] {
  const summary = /<div class="govuk-error-summary"[\s\S]*?<\/ul>/.exec(html)?.[0] ?? '';
  return [...summary.matchAll(/<a href="([^"]*)">/g)].map((m) => m[1]!);
}
