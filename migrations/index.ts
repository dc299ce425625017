/**
 * The migrations, in order. Listed here rather than found on disk so the same list works under tsx,
 * jest and the compiled build. Add a new file as timestamp_intent.ts and append it below.
 */
import type { Knex } from 'knex';
import * as createRegister from './20261128160000_create_register';
import * as createAuditEvents from './20261128160100_create_audit_events';
import * as createSeedRuns from './20261128160200_create_seed_runs';
import * as createAccounts from './20261128170000_create_accounts';
import * as registerManagement from './20261128190000_register_management';
import * as createApiTokens from './20261128190100_create_api_tokens';
import * as createImports from './20261128190200_create_imports';
import * as createResponsesExtensionsActions from './20261128200000_create_responses_extensions_actions';
import * as createProgressUpdates from './20261128200100_create_progress_updates';
import * as createOversight from './20261128210000_create_oversight';
import * as createPublications from './20261128210100_create_publications';
import * as createFeedback from './20261128220400_create_feedback';
import * as dashboardsIndexes from './20261128220100_dashboards_indexes';
import * as createNotifications from './20261128220200_create_notifications';
import * as createDataVersions from './20261202130000_create_data_versions';
import * as responseVersions from './20261202150000_response_versions';
import * as clockByAddressee from './20261202150100_clock_by_addressee';
import * as createSecretKeyFingerprints from './20261202155000_create_secret_key_fingerprints';
import * as createAuditCheckpoints from './20261202160000_create_audit_checkpoints';
import * as publicReviewDates from './20261202140000_public_review_dates';
import * as createStatusNotes from './20261202140100_create_status_notes';
import * as revocableInvitations from './20261202155100_revocable_invitations';
import * as retirableThemes from './20261202155200_retirable_themes';
import * as namesInHistoryLabels from './20261202155300_names_in_history_labels';
import * as targetDates from './20261202150200_target_dates';
import * as judicialReviewPauses from './20261202150300_judicial_review_pauses';
import * as sustainmentChecks from './20261202150400_sustainment_checks';
import * as oneRateLimitTable from './20261202171700_one_rate_limit_table';

interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

export const MIGRATIONS: Migration[] = [
  { name: '20261128160000_create_register', ...createRegister },
  { name: '20261128160100_create_audit_events', ...createAuditEvents },
  { name: '20261128160200_create_seed_runs', ...createSeedRuns },
  { name: '20261128170000_create_accounts', ...createAccounts },
  { name: '20261128190000_register_management', ...registerManagement },
  { name: '20261128190100_create_api_tokens', ...createApiTokens },
  { name: '20261128190200_create_imports', ...createImports },
  {
    name: '20261128200000_create_responses_extensions_actions',
    ...createResponsesExtensionsActions,
  },
  { name: '20261128200100_create_progress_updates', ...createProgressUpdates },
  { name: '20261128210000_create_oversight', ...createOversight },
  { name: '20261128210100_create_publications', ...createPublications },
  { name: '20261128220100_dashboards_indexes', ...dashboardsIndexes },
  { name: '20261128220200_create_notifications', ...createNotifications },
  { name: '20261128220400_create_feedback', ...createFeedback },
  { name: '20261202130000_create_data_versions', ...createDataVersions },
  { name: '20261202150000_response_versions', ...responseVersions },
  { name: '20261202150100_clock_by_addressee', ...clockByAddressee },
  { name: '20261202155000_create_secret_key_fingerprints', ...createSecretKeyFingerprints },
  { name: '20261202160000_create_audit_checkpoints', ...createAuditCheckpoints },
  { name: '20261202140000_public_review_dates', ...publicReviewDates },
  { name: '20261202140100_create_status_notes', ...createStatusNotes },
  { name: '20261202155100_revocable_invitations', ...revocableInvitations },
  { name: '20261202155200_retirable_themes', ...retirableThemes },
  { name: '20261202155300_names_in_history_labels', ...namesInHistoryLabels },
  { name: '20261202150200_target_dates', ...targetDates },
  { name: '20261202150300_judicial_review_pauses', ...judicialReviewPauses },
  { name: '20261202150400_sustainment_checks', ...sustainmentChecks },
  { name: '20261202171700_one_rate_limit_table', ...oneRateLimitTable },
];

export const migrationSource: Knex.MigrationSource<Migration> = {
  getMigrations: async () => MIGRATIONS,
  getMigrationName: (m) => m.name,
  getMigration: async (m) => m,
};
