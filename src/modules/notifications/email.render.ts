/**
 * Email bodies: a plain-text part and a simple HTML part built from the same pieces. Every value is
 * escaped here, so text from the database (titles, organisation names, email addresses) can never
 * become markup in someone's mail client. Links are absolute, built from PUBLIC_BASE_URL.
 */

export interface EmailLink {
  text: string;
  /** An absolute URL. */
  href: string;
}

export interface EmailContent {
  subject: string;
  /** Paragraphs of plain text, in order. */
  paragraphs: string[];
  /** Bulleted items after the paragraphs (a digest's lists). */
  sections?: { heading: string; items: string[] }[];
  /** The main thing to do, shown as a link after the text. */
  action?: EmailLink;
  /** Smaller print at the end: why this came, how to stop it. */
  footer?: { text: string; link?: EmailLink }[];
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** A subject is one line: newlines in stored text must not start new headers or look odd. */
function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim().slice(0, 250);
}

export function renderEmail(serviceName: string, content: EmailContent): RenderedEmail {
  const subject = oneLine(content.subject);
  const text: string[] = [...content.paragraphs];
  for (const section of content.sections ?? []) {
    text.push(`${section.heading}\n${section.items.map((i) => `- ${i}`).join('\n')}`);
  }
  if (content.action) text.push(`${content.action.text}: ${content.action.href}`);
  const footer = (content.footer ?? []).map((f) =>
    f.link ? `${f.text} ${f.link.text}: ${f.link.href}` : f.text,
  );
  text.push(['--', serviceName, ...footer].join('\n'));

  const p = (s: string) => `<p style="margin:0 0 16px">${escapeHtml(s)}</p>`;
  const a = (l: EmailLink) => `<a href="${escapeHtml(l.href)}">${escapeHtml(l.text)}</a>`;
  const html = [
    '<!DOCTYPE html>',
    `<html lang="en-GB"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>`,
    '<body style="font-family:Arial,sans-serif;font-size:16px;line-height:1.4;color:#0b0c0c">',
    `<p style="margin:0 0 16px;font-weight:bold">${escapeHtml(serviceName)}</p>`,
    ...content.paragraphs.map(p),
    ...(content.sections ?? []).map(
      (s) =>
        `<h2 style="font-size:18px">${escapeHtml(s.heading)}</h2><ul>${s.items
          .map((i) => `<li>${escapeHtml(i)}</li>`)
          .join('')}</ul>`,
    ),
    content.action ? `<p style="margin:0 0 16px">${a(content.action)}</p>` : '',
    ...(content.footer ?? []).map(
      (f) =>
        `<p style="margin:0 0 8px;font-size:14px;color:#505a5f">${escapeHtml(f.text)}${
          f.link ? ` ${a(f.link)}` : ''
        }</p>`,
    ),
    '</body></html>',
  ].join('\n');
  return { subject, text: `${text.join('\n\n')}\n`, html };
}
