/**
 * The force leads' workspace through /api/v1, with real tokens on the seeded Linden register: a
 * lead answers its own organisation's recommendation, asks for more time, keeps an action plan and
 * posts updates with evidence; an overseer decides the extension. Every answer is checked against
 * the OpenAPI document. A database failure part-way through a write keeps nothing of it.
 */
import request from 'supertest';
import { applyLindenSeed } from '../../../seeds/operation-linden';
import { buildTestApp } from '../../../test/app';
import { issueApiToken } from '../../../test/auth';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import { loadContract, type Contract } from '../../../test/openapi-contract';

// Before the Linden responses were due (17 January 2022).
const NOW = '2022-01-05T12:00:00Z';
const pdf = Buffer.concat([
  Buffer.from('%PDF-1.7\n'),
  Buffer.from('evidence of training '.repeat(50)),
]);

describe('the workspace through /api/v1', () => {
  let db: TestDatabase;
  let built: ReturnType<typeof buildTestApp>;
  let conforms: Contract['conforms'];
  let lead: string;
  let otherLead: string;
  let overseer: string;
  let viewer: string;
  let npccAssignment: number;
  let collegeAssignment: number;

  const api = (token: string) => ({
    get: (url: string) => request(built.app).get(url).set('Authorization', `Bearer ${token}`),
    post: (url: string, body?: object) => {
      const req = request(built.app).post(url).set('Authorization', `Bearer ${token}`);
      return body ? req.send(body) : req;
    },
    put: (url: string, body: object) =>
      request(built.app).put(url).set('Authorization', `Bearer ${token}`).send(body),
  });
  const assignmentOf = async (slug: string) =>
    (
      await db
        .knex('assignments as a')
        .join('organisations as o', 'o.id', 'a.organisation_id')
        .where('o.slug', slug)
        .first('a.id')
    ).id as number;
  const count = async (table: string) =>
    Number((await db.knex(table).count<{ n: string }[]>({ n: '*' }))[0]!.n);

  beforeAll(async () => {
    db = await createTestDatabase();
    await applyLindenSeed(db.knex);
    built = buildTestApp(db.knex, { now: NOW });
    ({ conforms } = await loadContract(built.app));
    const org = async (slug: string) =>
      (await db.knex('organisations').where({ slug }).first('id')).id as number;
    lead = await issueApiToken(db.knex, { role: 'org_lead', organisationId: await org('npcc') });
    otherLead = await issueApiToken(db.knex, {
      role: 'org_lead',
      organisationId: await org('college-of-policing'),
    });
    overseer = await issueApiToken(db.knex, { role: 'overseer' });
    viewer = await issueApiToken(db.knex, { role: 'viewer' });
    npccAssignment = await assignmentOf('npcc');
    collegeAssignment = await assignmentOf('college-of-policing');
  });
  afterAll(() => db.destroy());

  it('lists only the lead’s own organisation’s assignments, and hides the others', async () => {
    const mine = await api(lead).get('/api/v1/assignments');
    conforms('/api/v1/assignments', 'get', mine);
    expect(mine.body.items.map((a: { id: number }) => a.id)).toEqual([npccAssignment]);
    expect(mine.body.items[0]).toMatchObject({
      reference: 'LIN-06',
      status: 'awaiting_response',
      responseClock: { dueOn: '2022-01-17', daysRemaining: 12, overdue: false },
    });

    const all = await api(viewer).get('/api/v1/assignments?limit=2');
    conforms('/api/v1/assignments', 'get', all);
    expect(all.body.items).toHaveLength(2);
    expect(all.body.total).toBeGreaterThan(2);
    const second = await api(viewer).get(all.body.links.next);
    expect(second.body.items[0].id).toBeGreaterThan(all.body.items[1].id);

    const theirs = await api(lead).get(`/api/v1/assignments/${collegeAssignment}`);
    expect(theirs.status).toBe(404);
    conforms('/api/v1/assignments/{id}', 'get', theirs);
    const missing = await api(lead).get('/api/v1/assignments/99999');
    expect(missing.body.detail).toBe(theirs.body.detail);
  });

  it('asks for more time, which an overseer grants, moving the due date', async () => {
    const url = `/api/v1/assignments/${npccAssignment}/extensions`;
    const asked = await api(lead).post(url, {
      newDueOn: '2022-02-17',
      reason: 'The board that must approve our response next meets in February.',
    });
    conforms('/api/v1/assignments/{id}/extensions', 'post', asked);
    expect(asked.status).toBe(201);
    const extension = asked.body.extensions[0];
    expect(extension).toMatchObject({ state: 'pending', requestedDueOn: '2022-02-17' });

    const decisionUrl = `${url}/${extension.id}/decision`;
    const byLead = await api(lead).post(decisionUrl, { decision: 'grant', reason: 'Ourselves' });
    expect(byLead.status).toBe(403);
    const byViewer = await api(viewer).post(decisionUrl, { decision: 'grant', reason: 'x' });
    expect(byViewer.status).toBe(403);

    const granted = await api(overseer).post(decisionUrl, {
      decision: 'grant',
      reason: 'A reasonable request.',
    });
    conforms('/api/v1/assignments/{id}/extensions/{extensionId}/decision', 'post', granted);
    expect(granted.status).toBe(200);
    expect(granted.body.extensions[0].state).toBe('granted');
    expect(granted.body.responseClock.dueOn).toBe('2022-02-17');
    const again = await api(overseer).post(decisionUrl, { decision: 'refuse', reason: 'No.' });
    expect(again.status).toBe(409);
    conforms('/api/v1/assignments/{id}/extensions/{extensionId}/decision', 'post', again);
  });

  it('records the response (refusing a bad one, field by field) and keeps each version', async () => {
    const url = `/api/v1/assignments/${npccAssignment}/response`;
    // The seed's responses are versions already; nothing is added by a refused request.
    const seeded = await count('assignment_responses');
    const bad = await api(lead).post(url, { text: '   ', stance: 'maybe' });
    expect(bad.status).toBe(400);
    conforms('/api/v1/assignments/{id}/response', 'post', bad);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'stance',
      'text',
    ]);
    expect(await count('assignment_responses')).toBe(seeded);

    const byViewer = await api(viewer).post(url, { text: 'We accept.', stance: 'accepted' });
    expect(byViewer.status).toBe(403);
    const byOther = await api(otherLead).post(url, { text: 'We accept.', stance: 'accepted' });
    expect(byOther.status).toBe(404);

    const first = await api(lead).post(url, {
      text: 'We accept and will issue national guidance.',
      stance: 'accepted',
    });
    conforms('/api/v1/assignments/{id}/response', 'post', first);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      status: 'in_progress',
      response: { version: 1, stance: 'accepted', late: false },
    });
    const second = await api(lead).post(url, {
      text: 'We accept in part: guidance, but not a new inspection.',
      stance: 'partially_accepted',
    });
    expect(second.body.responseVersions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    const audits = await db
      .knex('audit_events')
      .where({ subject_type: 'assignment', subject_id: String(npccAssignment) })
      .whereIn('action', ['assignment.response_recorded', 'assignment.response_revised'])
      .pluck('actor_label');
    expect(audits).toHaveLength(2);
    expect(audits[0]).toMatch(/\(API token \d+\)$/);
  });

  it('keeps an action plan: a moved target date needs a reason and keeps the old date', async () => {
    const url = `/api/v1/assignments/${npccAssignment}/actions`;
    const added = await api(lead).post(url, {
      description: 'Publish guidance to every force',
      owner: 'NPCC lead for child protection',
      targetOn: '2022-06-30',
      state: 'planned',
    });
    conforms('/api/v1/assignments/{id}/actions', 'post', added);
    expect(added.status).toBe(201);
    const action = added.body.actions[0];
    const revise = (body: object) =>
      api(lead).put(`${url}/${action.id}`, {
        description: action.description,
        owner: action.owner,
        state: 'in_progress',
        ...body,
      });
    const noReason = await revise({ targetOn: '2022-09-30' });
    expect(noReason.status).toBe(400);
    conforms('/api/v1/assignments/{id}/actions/{actionId}', 'put', noReason);
    expect(noReason.body.errors[0].field).toBe('reason');
    const moved = await revise({ targetOn: '2022-09-30', reason: 'Consultation ran long.' });
    conforms('/api/v1/assignments/{id}/actions/{actionId}', 'put', moved);
    expect(moved.status).toBe(200);
    expect(moved.body.actions[0]).toMatchObject({ targetOn: '2022-09-30', state: 'in_progress' });
    expect(moved.body.actions[0].revisions[0]).toMatchObject({
      previousTargetOn: '2022-06-30',
      targetOn: '2022-09-30',
      reason: 'Consultation ran long.',
    });
  });

  it('posts updates with evidence, streamed and sniffed, and audits each download', async () => {
    const url = `/api/v1/assignments/${npccAssignment}/updates`;
    const posted = await api(lead)
      .post(url)
      .field('narrative', 'Guidance drafted and sent for consultation.')
      .field('selfAssessment', 'on_track')
      .attach('files', pdf, 'draft guidance.pdf');
    conforms('/api/v1/assignments/{id}/updates', 'post', posted);
    expect(posted.status).toBe(201);
    expect(posted.body).toMatchObject({ status: 'in_progress', files: 1 });

    const listed = await api(viewer).get(url);
    conforms('/api/v1/assignments/{id}/updates', 'get', listed);
    const file = listed.body.items[0].files[0];
    expect(file).toMatchObject({ name: 'draft guidance.pdf', contentType: 'application/pdf' });

    const downloads = () =>
      db.knex('audit_events').where({ action: 'evidence.download', subject_id: String(file.id) });
    const download = await api(overseer)
      .get(file.links.download)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expect(download.status).toBe(200);
    conforms('/api/v1/evidence/{id}', 'get', download);
    expect(Buffer.compare(download.body as Buffer, pdf)).toBe(0);
    expect(download.headers['content-type']).toBe('application/pdf');
    expect(download.headers['content-disposition']).toMatch(/^attachment;/);
    expect(download.headers['x-content-type-options']).toBe('nosniff');
    expect(await downloads()).toHaveLength(1);
    expect((await api(otherLead).get(file.links.download)).status).toBe(404);
    expect(await downloads()).toHaveLength(1);
  });

  it('refuses a wrong type (422), a JSON body (415) and a reader (403), storing nothing', async () => {
    const url = `/api/v1/assignments/${npccAssignment}/updates`;
    const before = [await count('progress_updates'), await count('evidence_files')];
    const wrong = await api(lead)
      .post(url)
      .field('narrative', 'A program, not evidence.')
      .field('selfAssessment', 'on_track')
      .attach('files', Buffer.from('MZ\x90\x00\x03 not a document'), 'report.pdf');
    expect(wrong.status).toBe(422);
    conforms('/api/v1/assignments/{id}/updates', 'post', wrong);
    const json = await api(lead).post(url, { narrative: 'x', selfAssessment: 'on_track' });
    expect(json.status).toBe(415);
    conforms('/api/v1/assignments/{id}/updates', 'post', json);
    const reader = await api(viewer)
      .post(url)
      .field('narrative', 'Not mine to post.')
      .field('selfAssessment', 'on_track');
    expect(reader.status).toBe(403);
    expect([await count('progress_updates'), await count('evidence_files')]).toEqual(before);
  });

  it('claims implementation with an update marked complete', async () => {
    const claimed = await api(lead)
      .post(`/api/v1/assignments/${npccAssignment}/updates`)
      .field('narrative', 'Guidance published to every force.')
      .field('selfAssessment', 'complete');
    expect(claimed.status).toBe(201);
    expect(claimed.body.status).toBe('awaiting_verification');
    const history = await db
      .knex('assignment_status_changes')
      .where({ assignment_id: npccAssignment })
      .orderBy('id')
      .pluck('to_status');
    expect(history).toEqual(['in_progress', 'awaiting_verification']);
  });

  describe('when the database fails part-way through a write', () => {
    // A trigger that makes the audit insert (the last statement of each write) fail, as a lost
    // connection or a full disk would.
    const failAudit = async (action: string) => {
      await db.knex.raw(
        `create function fail_audit() returns trigger language plpgsql as $$ begin if new.action = '${action}' then raise exception 'simulated failure'; end if; return new; end $$`,
      );
      await db.knex.raw(
        `create trigger fail_audit before insert on audit_events for each row execute function fail_audit()`,
      );
    };
    const heal = async () => {
      await db.knex.raw('drop trigger fail_audit on audit_events');
      await db.knex.raw('drop function fail_audit()');
    };
    afterEach(async () => {
      await db.knex.raw('drop trigger if exists fail_audit on audit_events');
      await db.knex.raw('drop function if exists fail_audit()');
    });

    it('keeps nothing of a response, and the same request succeeds afterwards', async () => {
      const url = `/api/v1/assignments/${collegeAssignment}/response`;
      const row = () => db.knex('assignments').where({ id: collegeAssignment }).first();
      const before = await row();
      await failAudit('assignment.response_recorded');
      const failed = await api(otherLead).post(url, { text: 'We accept.', stance: 'accepted' });
      expect(failed.status).toBe(500);
      expect(failed.text).not.toMatch(/simulated failure|at .*\.ts/);
      expect(await row()).toEqual(before);
      expect(
        await db.knex('assignment_responses').where({ assignment_id: collegeAssignment }),
      ).toEqual([]);
      expect(
        await db.knex('assignment_status_changes').where({ assignment_id: collegeAssignment }),
      ).toEqual([]);
      await heal();
      const retried = await api(otherLead).post(url, { text: 'We accept.', stance: 'accepted' });
      expect(retried.status).toBe(200);
      expect(retried.body.status).toBe('in_progress');
    });

    it('keeps no update, file row or file bytes of an upload', async () => {
      const before = [
        await count('progress_updates'),
        await count('evidence_files'),
        await count('evidence_file_chunks'),
      ];
      await failAudit('progress_update.create');
      const failed = await api(otherLead)
        .post(`/api/v1/assignments/${collegeAssignment}/updates`)
        .field('narrative', 'Curriculum revised.')
        .field('selfAssessment', 'on_track')
        .attach('files', pdf, 'curriculum.pdf');
      expect(failed.status).toBe(500);
      expect([
        await count('progress_updates'),
        await count('evidence_files'),
        await count('evidence_file_chunks'),
      ]).toEqual(before);
    });
  });
});
