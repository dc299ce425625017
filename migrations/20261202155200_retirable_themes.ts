/**
 * Themes an administrator can retire. A retired theme stays on the recommendations that already
 * have it (the public record keeps its labels) but cannot be given to others, by the forms or by an
 * import. Names are unique regardless of case among all themes, so two themes never look the same.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('themes', (t) => {
    t.timestamp('retired_at', { useTz: true });
    t.check('length(name) between 1 and 100', [], 'themes_name_length');
  });
  await knex.raw('create unique index themes_name_key on themes (lower(name))');
  await knex.raw(
    `comment on column themes.retired_at is 'When the theme was retired: it stays on recommendations that have it, and cannot be chosen for others.'`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index themes_name_key');
  await knex.schema.alterTable('themes', (t) => {
    t.dropChecks(['themes_name_length']);
    t.dropColumn('retired_at');
  });
}
