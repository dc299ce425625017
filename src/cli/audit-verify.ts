/**
 * `npm run audit:verify [-- --checkpoint <event id>:<hash> ...]`: recomputes every hash of the audit
 * trail, compares the stored daily checkpoints, and any checkpoint you kept yourself (from
 * /data/audit-checkpoints.csv or the feed). Prints the state and the first broken event; exits 1
 * when anything does not match, 2 on a usage or connection problem. Uses the app's settings (on
 * the embedded database, stop the app first: one process at a time may open DATA_DIR).
 * In the container: `node dist/src/cli/audit-verify.js`.
 */
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { openDatabase } from '../db/knex';
import { createAuditTrailService } from '../modules/operations/audit-trail.service';
import { systemClock } from '../shared/clock';

const USAGE = 'usage: npm run audit:verify [-- --checkpoint <event id>:<64 hex digits> ...]';

function parseArgs(argv: string[]): { eventId: number; hash: string }[] {
  const kept: { eventId: number; hash: string }[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const match =
      argv[i] === '--checkpoint' ? /^(\d+):([0-9a-f]{64})$/.exec(argv[i + 1] ?? '') : null;
    if (!match) throw new Error(USAGE);
    kept.push({ eventId: Number(match[1]), hash: match[2]! });
    i += 1;
  }
  return kept;
}

async function main(): Promise<number> {
  const kept = parseArgs(process.argv.slice(2));
  const config = loadConfig();
  const db = await openDatabase(config.database, createLogger('warn'));
  try {
    const service = createAuditTrailService({ knex: db.knex, clock: systemClock });
    const report = await service.verify();
    const lines = [`Audit trail: ${report.events} events.`];
    if (report.head) lines.push(`Newest event: ${report.head.id}, hash ${report.head.hash}.`);
    let ok = report.ok;
    if (report.firstBroken) {
      const b = report.firstBroken;
      lines.push(
        `BROKEN at event ${b.id} (${b.action}, ${b.subject}, ${b.occurredAt}): ${
          b.problem === 'hash'
            ? 'its fields no longer give its stored hash'
            : 'it does not link to the event before it'
        }.`,
        `  stored hash     ${b.storedHash}`,
        `  recomputed hash ${b.expectedHash}`,
      );
    } else {
      lines.push('Every hash and link recomputes correctly.');
    }
    lines.push(`Checkpoints stored: ${report.checkpoints.checked}.`);
    for (const m of report.checkpoints.mismatched)
      lines.push(
        `CHECKPOINT MISMATCH for ${m.day}: event ${m.eventId} was published with hash ${m.published}, ${
          m.now ? `now ${m.now}` : 'and that event is gone'
        }.`,
      );
    for (const k of kept) {
      const now = await db.knex('audit_events').where({ id: k.eventId }).first('hash');
      if (now?.hash === k.hash)
        lines.push(`Your checkpoint ${k.eventId}:${k.hash.slice(0, 12)}… matches.`);
      else {
        ok = false;
        lines.push(
          `YOUR CHECKPOINT DOES NOT MATCH: event ${k.eventId} ${now ? `has hash ${now.hash}` : 'is gone'}, not ${k.hash}.`,
        );
      }
    }
    lines.push(ok ? 'Result: OK.' : 'Result: the audit trail has been changed.');
    process.stdout.write(`${lines.join('\n')}\n`);
    return ok ? 0 : 1;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  },
);
