/**
 * A stacked bar chart as an SVG string, drawn on the server: no script, no inline styles (the
 * Content-Security-Policy forbids them; presentation attributes are allowed).
 *
 * Readable without colour: every series has its own pattern as well as its own colour, the legend
 * shows both, segments tall enough carry their number, every bar carries its total, and each
 * segment has a tooltip title. The SVG is `role="img"` with a <title> and <desc>; pages must still
 * give the numbers as a table beside it (the chart is a picture of that table, not a substitute).
 *
 * Every segment carries data-category, data-series and data-value, so tests (and anyone reading
 * the markup) can check the drawing against the figures.
 *
 * Usage:
 *   stackedBarChartSvg({
 *     id: 'progress', title: 'Status at the end of each month', description: '…',
 *     categories: [{ key: '2024-01', label: 'January 2024', axisLabel: ['Jan', '2024'] }],
 *     series: [{ key: 'implemented', label: 'Implemented', colour: '#00703c', pattern: 'solid' }],
 *     values: [[3]],   // values[category][series]
 *   })
 */

export type ChartPattern = 'solid' | 'diagonal' | 'dots' | 'horizontal' | 'crosshatch' | 'vertical';

export interface ChartSeries {
  key: string;
  label: string;
  /** A colour with at least 3:1 contrast against white (WCAG 1.4.11); white marks go on top. */
  colour: string;
  pattern: ChartPattern;
}

export interface ChartCategory {
  key: string;
  /** The full name, for tooltips. */
  label: string;
  /** One or two short lines under the bar. */
  axisLabel: string[];
}

export interface StackedBarChart {
  /** Unique on the page: prefixes the ids of the title, description and patterns. */
  id: string;
  title: string;
  description: string;
  categories: ChartCategory[];
  series: ChartSeries[];
  values: number[][];
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const BAR_WIDTH = 28;
const BAR_GAP = 14;
const PLOT_HEIGHT = 240;
const LEFT = 48;
const RIGHT = 16;
const LEGEND_LINE = 22;
const TOP_GAP = 24;
const AXIS_LABEL_SPACE = 40;
const MIN_LABELLED_SEGMENT = 16;
const TEXT = '#0b0c0c';
const GRID = '#b1b4b6';
const FONT = 'system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif';

/** The white marks drawn over a series' colour, in a 8×8 tile. */
function patternMarks(pattern: ChartPattern): string {
  const line = (d: string) => `<path d="${d}" stroke="#ffffff" stroke-width="1.5" fill="none"/>`;
  switch (pattern) {
    case 'solid':
      return '';
    case 'diagonal':
      return line('M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4');
    case 'dots':
      return '<circle cx="4" cy="4" r="1.6" fill="#ffffff"/>';
    case 'horizontal':
      return line('M0,4 h8');
    case 'vertical':
      return line('M4,0 v8');
    case 'crosshatch':
      return line('M0,0 l8,8 M8,0 l-8,8');
  }
}

/** A round upper bound for the axis, and the step between grid lines. */
function niceScale(max: number): { top: number; step: number } {
  if (max <= 0) return { top: 4, step: 1 };
  const rough = max / 4;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough)!;
  const wholeStep = Math.max(1, Math.ceil(step));
  return { top: Math.ceil(max / wholeStep) * wholeStep, step: wholeStep };
}

export function stackedBarChartSvg(chart: StackedBarChart): string {
  const { id, categories, series, values } = chart;
  const totals = categories.map((_, i) => (values[i] ?? []).reduce((sum, v) => sum + v, 0));
  const { top, step } = niceScale(Math.max(0, ...totals));
  const legendHeight = series.length * LEGEND_LINE + 8;
  const plotTop = legendHeight + TOP_GAP;
  const width = LEFT + categories.length * (BAR_WIDTH + BAR_GAP) + RIGHT;
  const height = plotTop + PLOT_HEIGHT + AXIS_LABEL_SPACE;
  const y = (v: number) => plotTop + PLOT_HEIGHT - (v / top) * PLOT_HEIGHT;
  const fill = (s: ChartSeries) => (s.pattern === 'solid' ? s.colour : `url(#${id}-p-${s.key})`);
  const text = (x: number, yy: number, body: string, attrs = '') =>
    `<text x="${x}" y="${yy}" font-family="${FONT}" font-size="12" fill="${TEXT}"${attrs}>${escapeXml(body)}</text>`;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="${id}-title ${id}-desc" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" class="app-chart" id="${id}">`,
    `<title id="${id}-title">${escapeXml(chart.title)}</title>`,
    `<desc id="${id}-desc">${escapeXml(chart.description)}</desc>`,
    '<defs>',
  );
  for (const s of series) {
    if (s.pattern === 'solid') continue;
    out.push(
      `<pattern id="${id}-p-${s.key}" width="8" height="8" patternUnits="userSpaceOnUse"><rect width="8" height="8" fill="${s.colour}"/>${patternMarks(s.pattern)}</pattern>`,
    );
  }
  out.push('</defs>');

  // Legend: a swatch with the series' pattern, then its name, one per line.
  series.forEach((s, i) => {
    const ly = 4 + i * LEGEND_LINE;
    out.push(
      `<g class="app-chart__legend-item" data-series="${escapeXml(s.key)}"><rect x="${LEFT}" y="${ly}" width="16" height="16" fill="${fill(s)}" stroke="${TEXT}" stroke-width="0.5"/>${text(LEFT + 24, ly + 13, s.label, ' font-size="14"')}</g>`,
    );
  });

  // Grid lines and their values.
  for (let v = 0; v <= top; v += step) {
    const gy = y(v);
    out.push(
      `<line x1="${LEFT}" x2="${width - RIGHT}" y1="${gy}" y2="${gy}" stroke="${GRID}" stroke-width="1"/>`,
      text(LEFT - 6, gy + 4, String(v), ' text-anchor="end"'),
    );
  }

  categories.forEach((c, i) => {
    const x = LEFT + BAR_GAP / 2 + i * (BAR_WIDTH + BAR_GAP);
    const row = values[i] ?? [];
    let running = 0;
    out.push(
      `<g class="app-chart__bar" data-category="${escapeXml(c.key)}" data-total="${totals[i]}">`,
    );
    series.forEach((s, j) => {
      const value = row[j] ?? 0;
      if (value <= 0) return;
      const y0 = y(running);
      const y1 = y(running + value);
      running += value;
      const h = y0 - y1;
      out.push(
        `<rect x="${x}" y="${y1}" width="${BAR_WIDTH}" height="${h}" fill="${fill(s)}" stroke="#ffffff" stroke-width="1" data-category="${escapeXml(c.key)}" data-series="${escapeXml(s.key)}" data-value="${value}"><title>${escapeXml(`${c.label}, ${s.label}: ${value}`)}</title></rect>`,
      );
      if (h >= MIN_LABELLED_SEGMENT) {
        // A label in the series' colour behind white text stays legible over the pattern.
        out.push(
          `<text x="${x + BAR_WIDTH / 2}" y="${(y0 + y1) / 2 + 4}" font-family="${FONT}" font-size="11" font-weight="700" text-anchor="middle" fill="#ffffff" stroke="${s.colour}" stroke-width="3" paint-order="stroke" data-series="${escapeXml(s.key)}" data-value="${value}">${value}</text>`,
        );
      }
    });
    out.push(
      text(
        x + BAR_WIDTH / 2,
        y(totals[i]!) - 4,
        String(totals[i]),
        ' text-anchor="middle" class="app-chart__total"',
      ),
      '</g>',
    );
    c.axisLabel.forEach((line, k) => {
      out.push(
        text(x + BAR_WIDTH / 2, plotTop + PLOT_HEIGHT + 16 + k * 14, line, ' text-anchor="middle"'),
      );
    });
  });
  out.push(
    `<line x1="${LEFT}" x2="${width - RIGHT}" y1="${y(0)}" y2="${y(0)}" stroke="${TEXT}" stroke-width="1"/>`,
    '</svg>',
  );
  return out.join('');
}
