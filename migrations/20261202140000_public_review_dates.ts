/**
 * The public pages now say when the oversight office last reviewed each assignment (ADR 0013),
 * and that date includes its reviews of progress updates and its delivery-confidence ratings.
 * Their words stay private, but their dates now reach public pages, so a new review or rating must
 * change the public data version as well as the workspace one (ADR 0011).
 */
import type { Knex } from 'knex';
import { attachDataVersion } from '../src/db/data-version';

const TABLES = ['progress_update_reviews', 'delivery_confidence_ratings'];

export async function up(knex: Knex): Promise<void> {
  for (const table of TABLES) await attachDataVersion(knex, table, ['public', 'workspace']);
}

export async function down(knex: Knex): Promise<void> {
  for (const table of TABLES) await attachDataVersion(knex, table, ['workspace']);
}
