/** The reminder windows, retry waits and email escaping, without a database. */
import { renderEmail } from './email.render';
import { retryDelayMs } from './email.outbox';
import { dueStage, overdueWeek } from './notifications.generate';
import { weekStart } from './notifications.digest';

describe('reminder windows', () => {
  it('gives the 14-day reminder from 14 to 8 days left, the 7-day from 7 to 2, the 1-day on the last day and the due date', () => {
    expect([15, 14, 8, 7, 2, 1, 0, -1].map(dueStage)).toEqual([null, 14, 14, 7, 7, 1, 1, null]);
  });

  it('numbers overdue notices by week from the day after the due date', () => {
    expect([0, 1, 7, 8, 14, 15, 22].map(overdueWeek)).toEqual([null, 0, 0, 1, 1, 2, 3]);
  });

  it('keys the digest by the Monday that starts the week', () => {
    expect(weekStart('2030-06-03')).toBe('2030-06-03'); // a Monday
    expect(weekStart('2030-06-09')).toBe('2030-06-03'); // the Sunday after
    expect(weekStart('2022-01-01')).toBe('2021-12-27');
  });
});

describe('retry waits', () => {
  it('double after each failed attempt, up to the cap', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 60_000, 300_000))).toEqual([
      60_000, 120_000, 240_000, 300_000,
    ]);
  });
});

describe('email bodies', () => {
  it('escapes stored text in the HTML part and keeps the subject to one line', () => {
    const email = renderEmail('Tracker <b>', {
      subject: 'Line one\r\nBcc: someone@example.org',
      paragraphs: ['<script>alert("x")</script> & more'],
      action: { text: 'Open', href: 'https://example.org/a?b=1&c="2"' },
    });
    expect(email.subject).toBe('Line one Bcc: someone@example.org');
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more');
    expect(email.html).toContain('href="https://example.org/a?b=1&amp;c=&quot;2&quot;"');
    expect(email.html).toContain('Tracker &lt;b&gt;');
    expect(email.text).toContain('<script>alert("x")</script> & more');
    expect(email.text).toContain('Open: https://example.org/a?b=1&c="2"');
  });
});
