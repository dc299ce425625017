/**
 * `npm run import -- <file> [--dry-run]`: imports a report file (CSV or JSON, see
 * docs/import-format.md) from the command line, with the same checks and plan as the admin pages.
 * Uses the app's settings (DATABASE_URL, or the embedded database in DATA_DIR). Prints the plan and
 * every error. Exit code 0 when the file was applied (or, with --dry-run, planned without errors);
 * 1 when the file has errors or could not be applied.
 *
 * The audit trail records the command line as a system actor labelled with the operating-system user
 * who ran it (actor_type 'system', actor_label 'command line: npm run import (user <name>)'), since no
 * signed-in user is involved.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { openDatabase } from '../db/knex';
import { migrateToLatest, withStartupLock } from '../db/migrate';
import { systemClock } from '../shared/clock';
import {
  createImportService,
  type ImportActor,
  type ImportPlan,
} from '../modules/register/import.service';
import { describeBytes } from '../modules/register/import.parse';
import { describeLocation } from '../modules/register/import.view-model';
import type { ImportError, ImportFormat } from '../modules/register/import.schemas';

const USAGE = 'usage: npm run import -- <file.csv|file.json> [--dry-run]';

function osUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

export function describePlan(plan: ImportPlan): string[] {
  const lines: string[] = [];
  const verb = { create: 'create', update: 'update', unchanged: 'unchanged' };
  lines.push(`Report ${plan.report.slug}: ${verb[plan.report.action]}`);
  for (const c of plan.report.changes)
    lines.push(`  ${c.field}: ${JSON.stringify(c.before)} -> ${JSON.stringify(c.after)}`);
  for (const r of plan.recommendations) {
    const extra: string[] = [];
    if (r.changes.length) extra.push(`fields ${r.changes.map((c) => c.field).join(', ')}`);
    if (r.themesToAdd.length) extra.push(`themes + ${r.themesToAdd.join(', ')}`);
    if (r.assignmentsToCreate.length)
      extra.push(`addressees + ${r.assignmentsToCreate.map((a) => a.organisation).join(', ')}`);
    if (r.assignmentsKept.length) extra.push(`kept ${r.assignmentsKept.join(', ')}`);
    if (r.dueDatesToChange.length)
      extra.push(
        `due dates ${r.dueDatesToChange.map((d) => `${d.organisation} ${d.before ?? 'none'} -> ${d.after ?? 'none'}`).join(', ')}`,
      );
    lines.push(
      `Recommendation ${r.ref}: ${verb[r.action]}${extra.length ? ` (${extra.join('; ')})` : ''}`,
    );
  }
  const c = plan.counts;
  lines.push(
    `Totals: ${c.recommendationsCreated} to create, ${c.recommendationsUpdated} to update, ` +
      `${c.recommendationsUnchanged} unchanged; ${c.assignmentsCreated} addressees to add, ` +
      `${c.assignmentsKept} kept; ${c.themesAdded} themes to add; ${c.dueDatesChanged} due dates ` +
      'to recalculate. Nothing is ever removed.',
  );
  if (!plan.changesAnything)
    lines.push('Nothing to change: the register already matches the file.');
  return lines;
}

function describeErrors(errors: ImportError[], format: ImportFormat | null): string[] {
  return [
    `The file has ${errors.length} problem(s); nothing was imported:`,
    ...errors.map((e) => `  ${describeLocation(e, format)}: ${e.message}`),
  ];
}

async function main(args: string[]): Promise<{ code: number; lines: string[] }> {
  const dryRun = args.includes('--dry-run');
  const files = args.filter((a) => a !== '--dry-run');
  if (files.length !== 1 || files[0]!.startsWith('-')) return { code: 1, lines: [USAGE] };
  const file = path.resolve(files[0]!);
  const config = loadConfig();
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    return { code: 1, lines: [`Cannot read ${file}.`] };
  }
  if (size > config.importMaxBytes)
    return {
      code: 1,
      lines: [`${file} is larger than IMPORT_MAX_BYTES (${describeBytes(config.importMaxBytes)}).`],
    };
  const bytes = fs.readFileSync(file);
  const db = await openDatabase(
    config.database,
    createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel),
  );
  try {
    await withStartupLock(db, () => migrateToLatest(db));
    const service = createImportService({
      knex: db.knex,
      clock: systemClock,
      maxBytes: config.importMaxBytes,
    });
    const actor: ImportActor = {
      userId: null,
      audit: { type: 'system', id: null, label: `command line: npm run import (user ${osUser()})` },
    };
    const source = { filename: path.basename(file), bytes };
    const preview = await service.preview(actor, source);
    const lines = [`${path.basename(file)} (${preview.format ?? 'unknown format'})`];
    if (preview.plan) lines.push(...describePlan(preview.plan));
    if (preview.errors.length)
      return { code: 1, lines: [...lines, ...describeErrors(preview.errors, preview.format)] };
    if (dryRun) return { code: 0, lines: [...lines, 'Dry run: nothing was changed.'] };
    const result = await service.apply(actor, { source, expectedDigest: preview.digest! });
    if (!result) return { code: 1, lines: [...lines, 'The import could not be applied.'] };
    switch (result.kind) {
      case 'applied':
        return {
          code: 0,
          lines: [...lines, result.plan.changesAnything ? 'Imported.' : 'Nothing was changed.'],
        };
      case 'stale':
        return {
          code: 1,
          lines: [
            ...lines,
            'The register changed while the file was being checked; nothing was imported. The plan now is:',
            ...describePlan(result.plan),
            'Run the command again to import it.',
          ],
        };
      case 'invalid':
        return { code: 1, lines: [...lines, ...describeErrors(result.errors, preview.format)] };
      case 'already_applied':
        return { code: 1, lines: [...lines, 'Already applied.'] };
    }
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).then(
  ({ code, lines }) => {
    (code === 0 ? console.log : console.error)(lines.join('\n'));
    process.exitCode = code;
  },
  (err: Error) => {
    console.error(err.message);
    process.exitCode = 1;
  },
);
