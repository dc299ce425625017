/**
 * The import pipeline against a real database: every error kind with its row and column, all at once
 * and nothing stored; a second report addressed to several forces; re-importing changes nothing; an
 * update touches only what changed; a change between preview and confirm is caught; export → import.
 */
import fs from 'node:fs';
import path from 'node:path';
import { applyLindenSeed } from '../../../seeds/operation-linden';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import { createOrganisation } from '../../../test/factories';
import { createUser } from '../../../test/auth';
import { fixedClock } from '../../shared/clock';
import { createImportService, type ImportActor } from './import.service';
import { exportCsv, exportJson } from './import.export';
import { PROJECT_ROOT } from '../../shared/project-root';

const EXAMPLE_JSON = fs.readFileSync(
  path.join(PROJECT_ROOT, 'examples/import/illustrative-inspection.json'),
);
const EXAMPLE_CSV = fs.readFileSync(
  path.join(PROJECT_ROOT, 'examples/import/illustrative-inspection.csv'),
);

const HEADER =
  'report_slug,report_title,report_issuer_name,report_legal_basis,report_published_on,ref,title,body,text_status,made_on,themes,addressees';
const REPORT = 'test-import-report,Test import report,Test Office,iopc_para_28a,2024-01-10';

function csv(...rows: string[]): Buffer {
  return Buffer.from([HEADER, ...rows].join('\r\n') + '\r\n', 'utf8');
}

describe('the import service', () => {
  let db: TestDatabase;
  let service: ReturnType<typeof createImportService>;
  let actor: ImportActor;
  const clock = fixedClock('2026-11-28T12:00:00Z');

  const snapshot = async () => {
    const count = async (table: string) =>
      Number((await db.knex(table).count('* as n').first())?.n);
    return {
      reports: await count('reports'),
      recommendations: await count('recommendations'),
      assignments: await count('assignments'),
      themes: await count('recommendation_themes'),
      audit: await count('audit_events'),
      imports: await count('imports'),
      updated: await db.knex('recommendations').orderBy('id').select('id', 'updated_at'),
    };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    await applyLindenSeed(db.knex);
    service = createImportService({ knex: db.knex, clock, maxBytes: 5 * 1024 * 1024 });
    const admin = await createUser(db.knex, { role: 'admin' });
    actor = {
      userId: admin.id,
      audit: { type: 'user', id: String(admin.id), label: admin.email },
    };
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('reports every bad row at once, with row and column, and stores nothing', async () => {
    const before = await snapshot();
    const file = csv(
      `${REPORT},T-IMP-01,Title one,Body one,summary,2021-02-30,training,south-yorkshire-police`,
      `${REPORT},T-IMP-01,Title two,Body two,summary,2024-01-10,,npcc`,
      `${REPORT},bad ref,Title,Body,summary,,,npcc`,
      `${REPORT},T-IMP-03,,Some text,summary,,,npcc`,
      `${REPORT},T-IMP-04,A title,Some text,pending,,,npcc`,
      `${REPORT},T-IMP-05,Title,"=HYPERLINK(""http://evil"")",summary,,,npcc`,
      `${REPORT},T-IMP-06,Title,Body,summary,,no-such-theme,no-such-org;kind:police_force;kind:spaceship`,
      `${REPORT},T-IMP-07,${'x'.repeat(301)},Body,summary,,,npcc`,
      `test-import-report,Another title,Test Office,iopc_para_28a,2024-01-10,T-IMP-08,Title,Body,summary,,,npcc`,
    );
    const result = await service.preview(actor, { filename: 'bad.csv', bytes: file });
    const found = result.errors.map((e) => `${e.row}|${e.column}`);
    expect(found).toEqual(
      expect.arrayContaining([
        '2|made_on',
        '3|ref',
        '4|ref',
        '5|title',
        '6|body',
        '7|body',
        '8|addressees',
        '9|title',
        '10|report_title',
      ]),
    );
    expect(result.errors.find((e) => e.row === 3)!.message).toMatch(/more than once.*row 2/);
    expect(result.errors.find((e) => e.row === 7)!.message).toMatch(/apostrophe/);
    expect(result.importId).toBeNull();
    expect(await snapshot()).toEqual(before);
  });

  it('reports every problem in a JSON file by recommendation number and field', async () => {
    const before = await snapshot();
    const doc = {
      report: {
        slug: 'Bad Slug',
        title: 'T',
        issuer_name: 'I',
        legal_basis: 'whim',
        colour: 'red',
      },
      recommendations: [
        { ref: 'J-1', title: 'T', body: 'B', text_status: 'summary', made_on: '2023-02-29' },
        { ref: 'J-1', text_status: 'pending', body: 'Should not be here', extra: 1 },
        { ref: 'J-3', text_status: 'verified', themes: 'training' },
      ],
    };
    const result = await service.preview(actor, { filename: 'x.json', text: JSON.stringify(doc) });
    expect(result.format).toBe('json');
    expect(result.errors.map((e) => `${e.row}|${e.column}`)).toEqual(
      expect.arrayContaining([
        'null|report.slug',
        'null|report.legal_basis',
        'null|report.colour',
        '1|made_on',
        '2|extra',
        '2|body',
        '2|ref',
        '3|themes',
        '3|title',
        '3|body',
      ]),
    );
    expect(await snapshot()).toEqual(before);
  });

  it('lets an unconfirmed upload expire after a day', async () => {
    const doc = JSON.parse(exportJson(await service.exportReport('operation-linden-2021')));
    doc.recommendations[4].title = 'Expiring';
    const preview = await service.preview(actor, { filename: 'l.json', text: JSON.stringify(doc) });
    const later = createImportService({
      knex: db.knex,
      clock: fixedClock('2026-11-29T12:00:01Z'),
      maxBytes: 1024 * 1024,
    });
    expect(await later.previewStored(actor, preview.importId!)).toBeNull();
    expect(
      await later.apply(actor, { importId: preview.importId!, expectedDigest: preview.digest! }),
    ).toBeNull();
  });

  it('names unknown organisations, kinds and themes found only in the database', async () => {
    const file = csv(
      `${REPORT},T-IMP-11,Title,Body,summary,,no-such-theme,no-such-org;kind:local_authority`,
    );
    const result = await service.preview(actor, { filename: 'x.csv', bytes: file });
    expect(result.errors.map((e) => [e.row, e.column, e.message])).toEqual([
      [2, 'addressees', expect.stringContaining('no-such-org')],
      [2, 'addressees', expect.stringContaining('kind local_authority')],
      [2, 'themes', expect.stringContaining('no-such-theme')],
    ]);
  });

  it('refuses unknown columns, UTF-16, Latin-1 and binary files with a message naming the problem', async () => {
    const unknown = await service.preview(actor, {
      filename: 'x.csv',
      bytes: Buffer.from(`${HEADER},colour\r\n`),
    });
    expect(unknown.errors).toEqual([
      { row: 1, column: 'colour', message: expect.stringContaining('not a column') },
    ]);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(HEADER, 'utf16le')]);
    expect(
      (await service.preview(actor, { filename: 'x.csv', bytes: utf16 })).errors[0]!.message,
    ).toMatch(/UTF-16/);
    const latin1 = Buffer.from(
      `${HEADER}\r\n${REPORT},T-IMP-12,Caf\xe9,B,summary,,,npcc\r\n`,
      'latin1',
    );
    expect(
      (await service.preview(actor, { filename: 'x.csv', bytes: latin1 })).errors[0]!.message,
    ).toMatch(/not valid UTF-8.*Latin-1/);
    const binary = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00]);
    expect(
      (await service.preview(actor, { filename: 'x.csv', bytes: binary })).errors[0]!.message,
    ).toMatch(/not a text file/);
  });

  it('accepts a byte-order mark and an apostrophe-escaped formula cell', async () => {
    const file = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      csv(`${REPORT},T-IMP-13,Title,'- a list item,summary,,,npcc`),
    ]);
    const result = await service.preview(actor, { filename: 'x.csv', bytes: file });
    expect(result.errors).toEqual([]);
    expect(result.plan!.recommendations[0]!.action).toBe('create');
  });

  it('refuses a file over the size limit and one with too many rows', async () => {
    const small = createImportService({ knex: db.knex, clock, maxBytes: 1024 });
    const big = await small.preview(actor, { filename: 'x.csv', bytes: Buffer.alloc(2000, 'a') });
    expect(big.errors[0]!.message).toMatch(/larger than the limit of 1 KB/);
    const rows = Array.from({ length: 2001 }, (_, i) => `${REPORT},T-ROW-${i},T,B,summary,,,npcc`);
    const many = await service.preview(actor, { filename: 'x.csv', bytes: csv(...rows) });
    expect(many.errors[0]!.message).toMatch(/at most 2000/);
  });

  it('imports a second report whose recommendations go to several forces, then re-importing changes nothing', async () => {
    const forces = [
      await createOrganisation(db.knex, { kind: 'police_force' }),
      await createOrganisation(db.knex, { kind: 'police_force' }),
    ];
    const policeForces = Number(
      (await db.knex('organisations').where({ kind: 'police_force' }).count('* as n').first())?.n,
    );
    expect(policeForces).toBeGreaterThanOrEqual(3);
    const preview = await service.preview(actor, { filename: 'x.json', bytes: EXAMPLE_JSON });
    expect(preview.errors).toEqual([]);
    expect(preview.plan!.report.action).toBe('create');
    expect(preview.plan!.counts).toEqual({
      recommendationsCreated: 4,
      recommendationsUpdated: 0,
      recommendationsUnchanged: 0,
      assignmentsCreated: policeForces * 2 + 2 + 2,
      assignmentsKept: 0,
      themesAdded: 4,
      dueDatesChanged: 0,
    });
    const auditBefore = (await snapshot()).audit;
    const applied = await service.apply(actor, {
      importId: preview.importId!,
      expectedDigest: preview.digest!,
    });
    expect(applied!.kind).toBe('applied');
    const rows = await db
      .knex('assignments as a')
      .join('recommendations as r', 'r.id', 'a.recommendation_id')
      .join('organisations as o', 'o.id', 'a.organisation_id')
      .where('r.ref', 'EXA-01')
      .select('o.slug', 'o.kind', 'a.response_due_on', 'a.status');
    expect(rows.map((r) => r.slug)).toEqual(expect.arrayContaining(forces.map((f) => f.slug)));
    expect(rows.map((r) => r.slug)).toContain('south-yorkshire-police');
    // HMICFRS s.55: 56 days from publication (2025-03-12) for the PCC's office only; a force or a
    // national body named in the report has no statutory clock.
    for (const r of rows)
      expect([r.kind, r.response_due_on]).toEqual(
        r.kind === 'pcc_office' ? ['pcc_office', '2025-05-07'] : [r.kind, null],
      );
    const audit = await db
      .knex('audit_events')
      .where('id', '>', 0)
      .orderBy('id', 'desc')
      .limit(policeForces * 2 + 4 + 4 + 1)
      .select('actor_type', 'actor_id', 'action', 'after');
    expect(audit.every((a) => a.actor_type === 'user' && a.actor_id === actor.audit.id)).toBe(true);
    expect(audit.every((a) => a.after.source === 'import')).toBe(true);
    expect((await snapshot()).audit - auditBefore).toBe(1 + 4 + policeForces * 2 + 4);

    // The same file again, as JSON and as CSV: nothing to do, nothing written.
    const before = await snapshot();
    for (const [filename, bytes] of [
      ['again.json', EXAMPLE_JSON],
      ['again.csv', EXAMPLE_CSV],
    ] as const) {
      const again = await service.preview(actor, { filename, bytes });
      expect(again.errors).toEqual([]);
      expect(again.plan!.changesAnything).toBe(false);
      expect(again.importId).toBeNull();
      const direct = await service.apply(actor, { source: { filename, bytes } });
      expect(direct!.kind).toBe('applied');
    }
    expect(await snapshot()).toEqual(before);
  });

  it('updating an existing reference changes only that recommendation and field', async () => {
    const doc = JSON.parse(exportJson(await service.exportReport('operation-linden-2021')));
    doc.recommendations[1].title = 'A corrected title';
    const before = await snapshot();
    const preview = await service.preview(actor, {
      filename: 'linden.json',
      text: JSON.stringify(doc),
    });
    expect(preview.errors).toEqual([]);
    expect(preview.plan!.report.action).toBe('unchanged');
    const changed = preview.plan!.recommendations.filter((r) => r.action !== 'unchanged');
    expect(changed).toEqual([
      expect.objectContaining({
        ref: 'LIN-02',
        action: 'update',
        changes: [{ field: 'title', before: expect.any(String), after: 'A corrected title' }],
        assignmentsToCreate: [],
      }),
    ]);
    await service.apply(actor, { importId: preview.importId!, expectedDigest: preview.digest! });
    const after = await snapshot();
    expect(after.audit).toBe(before.audit + 1);
    expect(after.recommendations).toBe(before.recommendations);
    const changedIds = after.updated
      .filter((u, i) => u.updated_at.getTime() !== before.updated[i]!.updated_at.getTime())
      .map((u) => u.id);
    const lin02 = await db.knex('recommendations').where({ ref: 'LIN-02' }).first();
    expect(changedIds).toEqual([lin02.id]);
    expect(lin02.title).toBe('A corrected title');
  });

  it('recalculates the stored due dates of unanswered assignments when the import changes the date a recommendation was made', async () => {
    // LIN-01's South Yorkshire Police assignment has its response; this one is still waiting.
    const lin01Row = await db.knex('recommendations').where({ ref: 'LIN-01' }).first();
    const waiting = await createOrganisation(db.knex, { slug: 'waiting-force' });
    const [open] = await db
      .knex('assignments')
      .insert({
        recommendation_id: lin01Row.id,
        organisation_id: waiting.id,
        response_due_on: '2022-01-17',
      })
      .returning('id');
    const doc = JSON.parse(exportJson(await service.exportReport('operation-linden-2021')));
    doc.recommendations[0].made_on = '2021-12-01';
    const preview = await service.preview(actor, { filename: 'l.json', text: JSON.stringify(doc) });
    const lin01 = preview.plan!.recommendations[0]!;
    expect(lin01.changes).toEqual([
      { field: 'made_on', before: '2021-11-23', after: '2021-12-01' },
    ]);
    expect(lin01.dueDatesToChange).toEqual([
      expect.objectContaining({
        organisation: 'waiting-force',
        before: '2022-01-17',
        after: '2022-01-25',
      }),
    ]);
    expect(preview.plan!.counts.dueDatesChanged).toBe(1);
    await service.apply(actor, { importId: preview.importId!, expectedDigest: preview.digest! });
    const stored = await db.knex('assignments').where({ id: open.id }).first('response_due_on');
    expect(stored.response_due_on).toBe('2022-01-25');
    const answered = await db
      .knex('assignments as a')
      .join('organisations as o', 'o.id', 'a.organisation_id')
      .where({ 'a.recommendation_id': lin01Row.id, 'o.slug': 'south-yorkshire-police' })
      .first('a.response_due_on');
    expect(answered.response_due_on).toBe('2022-01-17');
    const event = await db
      .knex('audit_events')
      .where({ action: 'assignment.update' })
      .orderBy('id', 'desc')
      .first('before', 'after');
    expect(event.before).toEqual({ response_due_on: '2022-01-17' });
  });

  it('catches a change to the register between preview and confirm, and writes nothing', async () => {
    const doc = JSON.parse(exportJson(await service.exportReport('operation-linden-2021')));
    doc.recommendations[2].title = 'Preview title';
    const preview = await service.preview(actor, { filename: 'l.json', text: JSON.stringify(doc) });
    await db
      .knex('recommendations')
      .where({ ref: 'LIN-03' })
      .update({ title: 'Changed meanwhile' });
    const before = await snapshot();
    const result = (await service.apply(actor, {
      importId: preview.importId!,
      expectedDigest: preview.digest!,
    }))!;
    expect(result.kind).toBe('stale');
    expect(await snapshot()).toEqual(before);
    if (result.kind !== 'stale') throw new Error('expected stale');
    expect(result.plan.recommendations[2]!.changes).toEqual([
      { field: 'title', before: 'Changed meanwhile', after: 'Preview title' },
    ]);
    // Confirming the new preview works.
    const second = await service.apply(actor, {
      importId: preview.importId!,
      expectedDigest: result.digest,
    });
    expect(second!.kind).toBe('applied');
    // And confirming twice does not apply twice.
    const third = await service.apply(actor, {
      importId: preview.importId!,
      expectedDigest: result.digest,
    });
    expect(third!.kind).toBe('already_applied');
  });

  it('lets only the uploader confirm a stored import', async () => {
    const doc = JSON.parse(exportJson(await service.exportReport('operation-linden-2021')));
    doc.recommendations[3].title = 'Only mine';
    const preview = await service.preview(actor, { filename: 'l.json', text: JSON.stringify(doc) });
    const other = await createUser(db.knex, { role: 'admin' });
    const result = await service.apply(
      { userId: other.id, audit: { type: 'user', id: String(other.id) } },
      { importId: preview.importId!, expectedDigest: preview.digest! },
    );
    expect(result).toBeNull();
  });

  it('export then import changes nothing, for CSV and JSON, including formula-like text', async () => {
    await db.knex('recommendations').where({ ref: 'LIN-05' }).update({
      body: '=1+1 and then some\r\nsecond line, with "quotes"',
      title: "'-already escaped",
    });
    const doc = await service.exportReport('operation-linden-2021');
    const csvText = exportCsv(doc);
    expect(csvText).toContain(`"'=1+1 and then some`);
    expect(csvText).toContain(`''-already escaped`);
    const before = await snapshot();
    for (const [filename, text] of [
      ['l.csv', csvText],
      ['l.json', exportJson(doc)],
    ] as const) {
      const preview = await service.preview(actor, { filename, text });
      expect(preview.errors).toEqual([]);
      expect(preview.plan!.changesAnything).toBe(false);
    }
    expect(await snapshot()).toEqual(before);
  });
});
