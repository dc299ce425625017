/**
 * Every formal response is a version from the first one (issue 15): a response loaded by a seed or
 * an import is version 1 like any other, with its own date, how sure that date is, its source and
 * who recorded it. The database refuses to change or remove a version, so nothing can rewrite a
 * response that was once shown: a correction is a new version.
 *
 * The assignment's response_* columns stay as they were: responded_on (and
 * response_date_confirmed) is the day of the first response, which stops the statutory clock;
 * response_stance, response_text and response_source_url are a copy of the current version.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // PGlite runs one statement per query, so each is sent on its own.
  for (const statement of [
    `alter table assignment_responses
       add column responded_on_confirmed boolean not null default true,
       add column source_url text,
       add column recorded_by_label text`,
    `alter table assignment_responses
       add constraint assignment_responses_source_url_http check (source_url is null or source_url ~ '^(http|https)://')`,
    `alter table assignment_responses
       add constraint assignment_responses_recorded_by_label_length check (recorded_by_label is null or length(recorded_by_label) between 1 and 200)`,
    // A response known only by its stance (reported as "accepted in full") has no words of its own.
    `alter table assignment_responses drop constraint assignment_responses_text_length`,
    `alter table assignment_responses
       add constraint assignment_responses_text_length check (text is null or length(text) between 1 and 50000)`,
    `alter table assignment_responses alter column text drop not null`,
    // Responses held only on the assignment (loaded by a seed before versions were kept) become
    // version 1, with the date, source and confidence they were shown with.
    `insert into assignment_responses
       (assignment_id, version, stance, text, responded_on, responded_on_confirmed, source_url, recorded_by, recorded_by_label, recorded_at)
     select a.id, 1, a.response_stance, nullif(a.response_text, ''), a.responded_on, a.response_date_confirmed,
            a.response_source_url, null, 'Recorded before response versions were kept', a.updated_at
       from assignments a
      where a.response_stance is not null and a.responded_on is not null
        and not exists (select 1 from assignment_responses v where v.assignment_id = a.id)`,
    `create function assignment_responses_refuse_change() returns trigger language plpgsql as $$
     begin
       if tg_op = 'UPDATE' then
         raise exception 'A response version is never changed: record a new version instead'
           using errcode = 'integrity_constraint_violation';
       end if;
       -- Removing the assignment itself (an administrator's delete of one never responded to, or a
       -- test database torn down) takes its versions with it; nothing else may remove one.
       if exists (select 1 from assignments a where a.id = old.assignment_id) then
         raise exception 'A response version is never removed: record a new version instead'
           using errcode = 'integrity_constraint_violation';
       end if;
       return old;
     end
     $$`,
    `create trigger assignment_responses_no_rewrite before update or delete on assignment_responses
       for each row execute function assignment_responses_refuse_change()`,
    `comment on table assignment_responses is 'Every version of an addressee''s formal response, from the first (a seed''s or an import''s too); never changed or removed (trigger assignment_responses_no_rewrite). assignments.response_stance/text/source_url copy the current version; assignments.responded_on is the first version''s date.'`,
    `comment on column assignment_responses.responded_on is 'The date of this version (when the addressee gave it, or when it was reported where only that is known).'`,
    `comment on column assignment_responses.responded_on_confirmed is 'false when only the day the response was reported is known, not the day it was given.'`,
    `comment on column assignment_responses.source_url is 'Where this version was published, for a response taken from public sources; null when recorded here by the addressee.'`,
    `comment on column assignment_responses.recorded_by_label is 'Who recorded it when not a user: a seed or an import, by name.'`,
  ]) {
    await knex.raw(statement);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const statement of [
    `drop trigger assignment_responses_no_rewrite on assignment_responses`,
    `drop function assignment_responses_refuse_change()`,
    `delete from assignment_responses where recorded_by_label = 'Recorded before response versions were kept'`,
    `alter table assignment_responses drop constraint assignment_responses_text_length`,
    `alter table assignment_responses alter column text set not null`,
    `alter table assignment_responses add constraint assignment_responses_text_length check (length(text) between 1 and 50000)`,
    `alter table assignment_responses drop column responded_on_confirmed, drop column source_url, drop column recorded_by_label`,
  ]) {
    await knex.raw(statement);
  }
}
