import { escapeXml, stackedBarChartSvg, type StackedBarChart } from './stacked-bar-chart';

const chart = (values: number[][], overrides: Partial<StackedBarChart> = {}): StackedBarChart => ({
  id: 'c',
  title: 'Counts <by> month',
  description: 'Two series & two months',
  categories: [
    { key: '2024-01', label: 'January 2024', axisLabel: ['Jan', '2024'] },
    { key: '2024-02', label: 'February 2024', axisLabel: ['Feb'] },
  ],
  series: [
    { key: 'a', label: 'Alpha', colour: '#1d70b8', pattern: 'dots' },
    { key: 'b', label: 'Beta', colour: '#00703c', pattern: 'solid' },
  ],
  values,
  ...overrides,
});

const segments = (svg: string) =>
  [
    ...svg.matchAll(
      /<rect [^>]*y="([\d.]+)" width="\d+" height="([\d.]+)"[^>]*data-category="([^"]+)" data-series="([^"]+)" data-value="(\d+)"/g,
    ),
  ].map((m) => ({
    y: Number(m[1]),
    h: Number(m[2]),
    category: m[3],
    series: m[4],
    value: Number(m[5]),
  }));

describe('the stacked bar chart', () => {
  it('draws one segment per non-zero value, heights in proportion, stacked without gaps', () => {
    const svg = stackedBarChartSvg(
      chart([
        [3, 1],
        [0, 8],
      ]),
    );
    const s = segments(svg);
    expect(s.map(({ category, series, value }) => [category, series, value])).toEqual([
      ['2024-01', 'a', 3],
      ['2024-01', 'b', 1],
      ['2024-02', 'b', 8],
    ]);
    // Height per unit is the same in every segment.
    const perUnit = s.map((x) => x.h / x.value);
    for (const p of perUnit) expect(p).toBeCloseTo(perUnit[0]!, 6);
    // Beta sits on top of Alpha in January.
    expect(s[1]!.y + s[1]!.h).toBeCloseTo(s[0]!.y, 6);
    expect([...svg.matchAll(/data-total="(\d+)"/g)].map((m) => Number(m[1]))).toEqual([4, 8]);
  });

  it('is an image with a title and description, patterns, a legend and tooltips, all escaped', () => {
    const svg = stackedBarChartSvg(
      chart([
        [3, 1],
        [0, 8],
      ]),
    );
    expect(svg).toMatch(/^<svg [^>]*role="img" aria-labelledby="c-title c-desc"/);
    expect(svg).toContain('<title id="c-title">Counts &lt;by&gt; month</title>');
    expect(svg).toContain('<desc id="c-desc">Two series &amp; two months</desc>');
    expect(svg).toContain('<pattern id="c-p-a"');
    expect(svg).toContain('fill="url(#c-p-a)"');
    expect(svg).not.toContain('<pattern id="c-p-b"');
    expect(svg).toContain('>Alpha</text>');
    expect(svg).toContain('<title>February 2024, Beta: 8</title>');
    expect(svg).not.toContain('style=');
  });

  it('draws an empty axis when every value is zero', () => {
    const svg = stackedBarChartSvg(
      chart([
        [0, 0],
        [0, 0],
      ]),
    );
    expect(segments(svg)).toEqual([]);
    expect(svg).toContain('data-total="0"');
  });

  it('escapes the five XML special characters', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
    );
  });
});
