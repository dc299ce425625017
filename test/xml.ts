/**
 * A small, strict XML reader for tests: it throws on anything that is not well-formed (unclosed or
 * crossed tags, a raw `<` or a bare `&` in text, unquoted or repeated attributes, characters XML 1.0
 * forbids, more than one root) and otherwise returns the element tree with entities decoded. No
 * DTDs, no CDATA: our feeds use neither, so meeting one is an error too.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: (XmlElement | string)[];
}

const NAME = /^[A-Za-z_][\w.:-]*/;
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

function decode(text: string, where: number): string {
  if (text.includes('<')) throw new Error(`Raw "<" in text near ${where}`);
  return text.replace(/&([^;\s]*);?/g, (whole, body: string) => {
    if (!whole.endsWith(';')) throw new Error(`Unterminated entity near ${where}: ${whole}`);
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (named[body] !== undefined) return named[body]!;
    const num = /^#(\d+)$/.exec(body) ?? null;
    const hex = /^#x([0-9a-fA-F]+)$/.exec(body) ?? null;
    if (num) return String.fromCodePoint(Number(num[1]));
    if (hex) return String.fromCodePoint(parseInt(hex[1]!, 16));
    throw new Error(`Unknown entity near ${where}: ${whole}`);
  });
}

export function parseXml(xml: string): XmlElement {
  if (FORBIDDEN.test(xml)) throw new Error('A character XML 1.0 forbids');
  let i = 0;
  if (xml.startsWith('<?xml')) {
    const end = xml.indexOf('?>');
    if (end < 0) throw new Error('Unclosed XML declaration');
    i = end + 2;
  }
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = xml.slice(i, lt < 0 ? xml.length : lt);
    if (text) {
      const decoded = decode(text, i);
      if (stack.length) stack[stack.length - 1]!.children.push(decoded);
      else if (decoded.trim()) throw new Error(`Text outside the root element near ${i}`);
    }
    if (lt < 0) break;
    i = lt;
    if (xml.startsWith('<!--', i)) {
      const end = xml.indexOf('-->', i);
      if (end < 0) throw new Error('Unclosed comment');
      i = end + 3;
      continue;
    }
    if (xml.startsWith('</', i)) {
      const name = NAME.exec(xml.slice(i + 2))?.[0];
      const close = xml.indexOf('>', i);
      if (!name || close < 0 || xml.slice(i + 2 + name.length, close).trim())
        throw new Error(`Bad closing tag near ${i}`);
      const open = stack.pop();
      if (!open || open.name !== name)
        throw new Error(`</${name}> closes <${open?.name ?? 'nothing'}> near ${i}`);
      i = close + 1;
      continue;
    }
    const name = NAME.exec(xml.slice(i + 1))?.[0];
    if (!name) throw new Error(`Bad tag near ${i}`);
    i += 1 + name.length;
    const element: XmlElement = { name, attrs: {}, children: [] };
    for (;;) {
      const ws = /^\s*/.exec(xml.slice(i))![0];
      i += ws.length;
      if (xml.startsWith('/>', i) || xml.startsWith('>', i)) break;
      if (!ws) throw new Error(`Attributes must be separated by space near ${i}`);
      const attr = /^([A-Za-z_][\w.:-]*)\s*=\s*("([^"]*)"|'([^']*)')/.exec(xml.slice(i));
      if (!attr) throw new Error(`Bad attribute near ${i}`);
      if (attr[1]! in element.attrs) throw new Error(`Repeated attribute ${attr[1]} near ${i}`);
      element.attrs[attr[1]!] = decode(attr[3] ?? attr[4] ?? '', i);
      i += attr[0].length;
    }
    const selfClosing = xml.startsWith('/>', i);
    i += selfClosing ? 2 : 1;
    if (stack.length) stack[stack.length - 1]!.children.push(element);
    else if (root) throw new Error('More than one root element');
    else root = element;
    if (!selfClosing) stack.push(element);
  }
  if (stack.length) throw new Error(`Unclosed <${stack[stack.length - 1]!.name}>`);
  if (!root) throw new Error('No root element');
  return root;
}

/** The child elements called `name`. */
export const childrenNamed = (el: XmlElement, name: string): XmlElement[] =>
  el.children.filter((c): c is XmlElement => typeof c !== 'string' && c.name === name);

/** All the text inside an element. */
export const textOf = (el: XmlElement | undefined): string =>
  el ? el.children.map((c) => (typeof c === 'string' ? c : textOf(c))).join('') : '';
