/**
 * For the dashboard targets of `npm run bench`: oversight rows the demo seed does not make, and a
 * signed-in overseer.
 *
 * - `addOversightRows`: for every answered demo assignment, an action (a spread of states and
 *   target dates, some past), a progress update (some reviewed, some waiting) and, for half of
 *   them, a delivery confidence rating; a few set-based statements, so the dashboards have their
 *   real work to do at every scale.
 * - `signInOverseer`: an overseer and an active session written straight into the database (the
 *   sessions table keeps the SHA-256 of the cookie's value, as the app does), plus an API token
 *   allowed 'oversight.view'. Returns the Cookie and Authorization header values.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { CalendarDate } from '../src/shared/calendar-date';
import { hashToken, newTokenValue } from '../src/modules/accounts/api-tokens.service';

export interface BenchCredentials {
  cookie: string;
  authorization: string;
}

export async function addOversightRows(knex: Knex, today: CalendarDate): Promise<void> {
  // Dates are spread by id so every state, and both sides of "today", are represented.
  await knex.raw(
    `insert into assignment_actions (assignment_id, description, owner, target_on, state)
     select a.id, 'Bench action', 'Bench owner', a.responded_on + (a.id % 400),
            (array['planned', 'in_progress', 'done', 'dropped'])[1 + a.id % 4]
       from assignments a
      where a.responded_on is not null`,
  );
  await knex.raw(
    `insert into progress_updates (assignment_id, author_label, self_assessment, narrative, created_at)
     select a.id, 'Bench lead', 'on_track', 'Bench update.',
            (least(a.responded_on + (a.id % 120), ?::date) + time '10:00') at time zone 'UTC'
       from assignments a
      where a.responded_on is not null`,
    [today],
  );
  await knex.raw(
    `insert into progress_update_reviews (progress_update_id, decision, reviewer_label, created_at)
     select p.id, 'accepted', 'Bench overseer', p.created_at + interval '2 days'
       from progress_updates p
      where p.id % 3 <> 0 and p.author_label = 'Bench lead'`,
  );
  await knex.raw(
    `insert into delivery_confidence_ratings (assignment_id, rating, commentary, rated_on, rater_label, created_at)
     select a.id, (array['red', 'amber', 'green'])[1 + a.id % 3], 'Bench rating.', a.responded_on,
            'Bench overseer', (a.responded_on + time '12:00') at time zone 'UTC'
       from assignments a
      where a.responded_on is not null and a.id % 2 = 0`,
  );
}

export async function signInOverseer(knex: Knex): Promise<BenchCredentials> {
  const [user] = await knex('users')
    .insert({
      email: `bench-overseer-${randomBytes(4).toString('hex')}@example.invalid`,
      name: 'Bench overseer',
      role: 'overseer',
    })
    .returning(['id']);
  const cookieValue = randomBytes(32).toString('base64url');
  const now = new Date();
  await knex('sessions').insert({
    id: createHash('sha256').update(cookieValue).digest('hex'),
    user_id: user.id,
    state: 'active',
    csrf_token: randomBytes(32).toString('base64url'),
    created_at: now,
    last_seen_at: now,
    ip_address: '127.0.0.1',
    user_agent: 'bench',
  });
  const token = newTokenValue();
  await knex('api_tokens').insert({
    token_hash: hashToken(token),
    token_hint: token.slice(0, 10),
    name: 'Bench dashboards token',
    user_id: user.id,
    role: 'overseer',
    created_at: now,
    expires_at: new Date(now.getTime() + 86_400_000),
  });
  // Plain HTTP (the bench's app): the cookie has its plain name, not the __Host- one.
  return { cookie: `tracker-session=${cookieValue}`, authorization: `Bearer ${token}` };
}
