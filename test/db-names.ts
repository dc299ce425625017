/** Names of this run's test databases, shared by the global setup, each test file and the teardown. */
export const templateName = (runId: string) => `tracker_tpl_${runId}`;
export const testDatabasePrefix = (runId: string) => `tracker_t_${runId}_`;

/** The same server URL, pointing at another database. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
