/** Matching what someone typed in the organisation filter to the organisations it may mean. */
import {
  DATALIST_ALL_MAX,
  ORGANISATION_MATCHES_MAX,
  canonicalOrganisationHref,
  foldName,
  matchOrganisation,
  organisationField,
  organisationsMatching,
} from './register.organisation-filter';

const ORGS = [
  { slug: 'south-yorkshire-police', name: 'South Yorkshire Police' },
  { slug: 'west-yorkshire-police', name: 'West Yorkshire Police' },
  { slug: 'north-yorkshire-police', name: 'North Yorkshire Police' },
  { slug: 'npcc', name: 'National Police Chiefs’ Council' },
  { slug: 'rotherham-mbc', name: 'Rotherham Metropolitan Borough Council' },
  { slug: 'ceredigion', name: 'Cyngor Sir Ceredigion – Ceredigion County Council' },
  { slug: 'ecole', name: 'École nationale' },
];

describe('the organisation filter', () => {
  it('ignores case, accents, punctuation and spacing when comparing names', () => {
    expect(foldName('  National Police  Chiefs’ Council ')).toBe('national police chiefs council');
    expect(foldName('ÉCOLE Nationale')).toBe('ecole nationale');
  });

  it('takes a slug, a whole name or a unique part of one as that organisation', () => {
    for (const typed of [
      'rotherham-mbc',
      'Rotherham Metropolitan Borough Council',
      'rotherham metropolitan borough council',
      'Rotherham',
      'borough',
    ])
      expect({ typed, match: matchOrganisation(typed, ORGS) }).toEqual({
        typed,
        match: { kind: 'one', organisation: ORGS[4] },
      });
    expect(matchOrganisation('ecole', ORGS)).toEqual({ kind: 'one', organisation: ORGS[6] });
    expect(matchOrganisation('Ecole Nationale', ORGS)).toEqual({
      kind: 'one',
      organisation: ORGS[6],
    });
    expect(matchOrganisation('NPCC', ORGS)).toEqual({ kind: 'one', organisation: ORGS[3] });
  });

  it('lists several matches, names starting with the words first, then alphabetically', () => {
    const match = matchOrganisation('yorkshire', ORGS);
    expect(match).toEqual({
      kind: 'several',
      total: 3,
      choices: [ORGS[2], ORGS[0], ORGS[1]],
    });
    expect(organisationsMatching('police', ORGS).map((o) => o.slug)).toEqual([
      'npcc',
      'north-yorkshire-police',
      'south-yorkshire-police',
      'west-yorkshire-police',
    ]);
    // Words anywhere, in any order.
    expect(organisationsMatching('police south', ORGS)).toEqual([ORGS[0]]);
  });

  it('finds nothing for words in no name', () => {
    expect(matchOrganisation('Metropolitan Police Service', ORGS)).toEqual({ kind: 'none' });
    expect(matchOrganisation('   ', ORGS)).toEqual({ kind: 'none' });
    expect(organisationsMatching('', ORGS)).toEqual([]);
  });

  it('lists at most a few matches to choose from, and says how many more there are', () => {
    const many = Array.from({ length: 25 }, (_, i) => ({
      slug: `force-${i}`,
      name: `Force number ${String(i).padStart(2, '0')}`,
    }));
    const { field, slug } = organisationField('force', many, (s) => `/x?organisation=${s}`);
    expect(slug).toBeUndefined();
    expect(field.error!.text).toBe(
      '25 organisations match “force”. Choose one, or type more of the name.',
    );
    expect(field.error!.choices).toHaveLength(ORGANISATION_MATCHES_MAX);
    expect(field.error!.choices[0]).toEqual({
      text: 'Force number 00',
      href: '/x?organisation=force-0',
    });
    expect(field.error!.more).toBe(25 - ORGANISATION_MATCHES_MAX);
    expect(field.value).toBe('force');
  });

  it('offers every organisation in the datalist while there are few, else only the matches', () => {
    const few = organisationField(undefined, ORGS, () => '');
    expect(few.field.options).toEqual(ORGS.map((o) => o.name));
    // The datalist has them all, so the script need not ask.
    expect(few.field.suggestHref).toBeNull();
    const many = Array.from({ length: DATALIST_ALL_MAX + 1 }, (_, i) => ({
      slug: `body-${i}`,
      name: `Body ${i}`,
    }));
    const empty = organisationField(undefined, many, () => '');
    expect(empty.field.options).toEqual([]);
    expect(empty.field.suggestHref).toBe('/organisation-suggestions');
    const chosen = organisationField('body-7', many, () => '');
    expect(chosen).toEqual({
      field: {
        value: 'Body 7',
        options: ['Body 7'],
        suggestHref: '/organisation-suggestions',
        error: null,
      },
      slug: 'body-7',
    });
    const none = organisationField('nobody here', many, () => '');
    expect(none.field.error!.text).toBe(
      'No organisation with recommendations matches “nobody here”. Check the spelling, or type part of the name.',
    );
    expect(none.field.options).toEqual([]);
  });

  it('sends a name to its slug’s address, keeping the other filters but not the page', () => {
    expect(
      canonicalOrganisationHref(
        '/recommendations',
        { organisation: 'Rotherham', theme: 'training', page: '3' },
        ORGS,
      ),
    ).toBe('/recommendations?organisation=rotherham-mbc&theme=training');
    expect(
      canonicalOrganisationHref('/recommendations', { organisation: 'rotherham-mbc' }, ORGS),
    ).toBeNull();
    expect(
      canonicalOrganisationHref('/recommendations', { organisation: 'yorkshire' }, ORGS),
    ).toBeNull();
    expect(canonicalOrganisationHref('/recommendations', { organisation: '' }, ORGS)).toBeNull();
    expect(canonicalOrganisationHref('/recommendations', {}, ORGS)).toBeNull();
  });
});
