/**
 * The accessibility statement through the real app: its compliance status line, the operator's
 * contact details and the statement's dates, all from the configuration, and what it says when
 * the operator has set none of them.
 */
import request from 'supertest';
import { buildTestApp, testConfig } from '../../../test/app';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import type { Config } from '../../config';

describe('the accessibility statement', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.destroy();
  });

  const statement = async (settings: Partial<Config['accessibilityStatement']> = {}) => {
    const defaults = testConfig().accessibilityStatement;
    const { app } = buildTestApp(db.knex, {
      config: { accessibilityStatement: { ...defaults, ...settings } },
    });
    return (await request(app).get('/accessibility').expect(200)).text;
  };
  /** The words of the element with this id, tags removed and spaces collapsed. */
  const textOf = (html: string, id: string) => {
    const match = new RegExp(`<(\\w+)[^>]*id="${id}"[^>]*>([\\s\\S]*?)</\\1>`).exec(html);
    return match
      ? match[2]!
          .replace(/<[^>]+>/g, ' ')
          .replace(/\s+/g, ' ')
          .trim()
      : null;
  };

  it('by default says it is partially compliant, lists the known gaps, and says the operator must add their details', async () => {
    const html = await statement();
    expect(textOf(html, 'compliance-status')).toMatch(
      /^This service is partially compliant with the Web Content Accessibility Guidelines \(WCAG\) version 2\.2 at level AA/,
    );
    expect(html).toContain('Content that is not accessible');
    expect(html).toContain('2.2.1 (Timing adjustable)');
    expect(html).toContain('signed out after 30 minutes');
    expect(html).toContain('has not yet been given the name and contact details');
    expect(html).toContain('OPERATOR_NAME');
    expect(html).toContain('please tell the organisation that runs this service');
    expect(html).not.toContain('id="operator-contacts"');
    expect(textOf(html, 'statement-dates')).toContain(
      'The text of this statement was written on 2 December 2026',
    );
    expect(textOf(html, 'statement-dates')).toContain('has not yet given the date');
    expect(html).toMatch(/<meta name="description" content="How accessible [^"]+">/);
  });

  it('shows the status, operator, contact details and dates it is given', async () => {
    const html = await statement({
      compliance: 'fully',
      preparedOn: '2027-01-15',
      reviewedOn: '2027-06-03',
      operator: {
        name: 'Office of the <Commissioner>',
        email: 'access@example.org',
        phone: '0114 496 0000',
        postalAddress: '1 High Street, Rotherham, S60 1AA',
      },
    });
    expect(textOf(html, 'compliance-status')).toBe(
      'This service is fully compliant with the Web Content Accessibility Guidelines (WCAG) version 2.2 at level AA.',
    );
    expect(html).not.toContain('Content that is not accessible');
    expect(html).not.toContain('has not yet been given the name');
    expect(html).toContain('run by Office of the &lt;Commissioner&gt;');
    expect(html).toContain('please tell Office of the &lt;Commissioner&gt;');
    expect(textOf(html, 'operator-contacts')).toBe(
      'Email access@example.org Phone 0114 496 0000 Post 1 High Street, Rotherham, S60 1AA',
    );
    expect(html).toContain('href="mailto:access@example.org"');
    expect(html).toContain('href="tel:01144960000"');
    expect(textOf(html, 'statement-dates')).toBe(
      'This statement was prepared on 15 January 2027. It was last reviewed on 3 June 2027.',
    );
  });

  it('says plainly when the service is not compliant, and when a prepared statement has not been reviewed', async () => {
    const html = await statement({
      compliance: 'not',
      preparedOn: '2027-01-15',
      reviewedOn: null,
      operator: { name: 'Example Office', email: null, phone: null, postalAddress: null },
    });
    expect(textOf(html, 'compliance-status')).toMatch(/^This service is not compliant with/);
    expect(html).toContain('Content that is not accessible');
    // A name with no way to reach it is still not enough.
    expect(html).toContain('has not yet been given the name and contact details');
    expect(textOf(html, 'statement-dates')).toBe(
      'This statement was prepared on 15 January 2027. It has not been reviewed since.',
    );
  });
});
