/**
 * The Atom writer keeps a feed well-formed whatever text it is given, and the strict XML reader
 * the feed tests rely on really does refuse malformed documents.
 */
import { childrenNamed, parseXml, textOf } from '../../../test/xml';
import { atomFeed, xmlText } from './atom';

const NASTY = `Tom & Jerry <script>alert("x")</script> it's \u0001\u0008 bell \uD800 lone ]]> 👍`;

describe('atomFeed', () => {
  it('escapes markup and drops characters XML forbids, keeping everything else', () => {
    const xml = atomFeed({
      id: 'tag:example.org,2026:feed/all',
      title: NASTY,
      updated: new Date('2026-01-02T03:04:05Z'),
      selfHref: 'https://example.org/data/feed.atom?a=1&b="2"',
      alternateHref: 'https://example.org/',
      author: NASTY,
      entries: [
        {
          id: 'tag:example.org,2026:status-change/1',
          title: NASTY,
          updated: new Date('2026-01-02T03:04:05Z'),
          href: 'https://example.org/recommendations/LIN-01',
          content: `Line one\n${NASTY}`,
          categories: ['a"b'],
        },
      ],
    });
    const feed = parseXml(xml);
    const cleaned = `Tom & Jerry <script>alert("x")</script> it's  bell  lone ]]> 👍`;
    expect(textOf(childrenNamed(feed, 'title')[0])).toBe(cleaned);
    const entry = childrenNamed(feed, 'entry')[0]!;
    expect(textOf(childrenNamed(entry, 'content')[0])).toBe(`Line one\n${cleaned}`);
    expect(childrenNamed(entry, 'category')[0]!.attrs.term).toBe('a"b');
    expect(childrenNamed(feed, 'link')[0]!.attrs.href).toBe(
      'https://example.org/data/feed.atom?a=1&b="2"',
    );
    expect(xml).not.toContain('<script>');
  });

  it('escapes the five markup characters', () => {
    expect(xmlText(`<a href="x">&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;');
  });
});

describe('the test XML reader', () => {
  it.each([
    ['an unclosed element', '<feed><entry></feed>'],
    ['crossed elements', '<a><b></a></b>'],
    ['a bare ampersand', '<a>Tom & Jerry</a>'],
    ['a raw less-than in an attribute', '<a b="<"/>'],
    ['an unquoted attribute', '<a b=c/>'],
    ['a repeated attribute', '<a b="1" b="2"/>'],
    ['two roots', '<a/><b/>'],
    ['a control character', '<a>\u0001</a>'],
    ['an unknown entity', '<a>&nbsp;</a>'],
  ])('refuses %s', (_name, xml) => {
    expect(() => parseXml(xml)).toThrow();
  });
});
