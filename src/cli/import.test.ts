/**
 * The import command as a person runs it: a child process against a test database (DATABASE_URL on
 * the server run, an embedded database in a temporary DATA_DIR otherwise). Dry run changes nothing,
 * errors exit 1 with every row named, apply exits 0, and running it again has nothing to do.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyLindenSeed } from '../../seeds/operation-linden';
import { createTestDatabase, usingServerDatabase, type TestDatabase } from '../../test/db';
import { PROJECT_ROOT } from '../shared/project-root';

const EXAMPLE = path.join(PROJECT_ROOT, 'examples/import/illustrative-inspection.csv');

describe('npm run import', () => {
  let dir: string;
  let db: TestDatabase | undefined;
  let settings: Record<string, string>;

  const run = (script: string, ...args: string[]) => {
    const out = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: PROJECT_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? os.tmpdir(),
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        ...settings,
      },
      encoding: 'utf8',
      timeout: 120000,
    });
    return { code: out.status, stdout: out.stdout, stderr: out.stderr };
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracker-import-'));
    if (usingServerDatabase) {
      db = await createTestDatabase();
      await applyLindenSeed(db.knex);
      settings = { DATABASE_URL: db.url! };
    } else {
      settings = { DATA_DIR: dir };
      expect(run('src/cli/db.ts', 'seed').code).toBe(0);
    }
  }, 180000);
  afterAll(async () => {
    await db?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('plans with --dry-run, refuses a bad file with every error, applies, then has nothing to do', async () => {
    const dry = run('src/cli/import.ts', EXAMPLE, '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('Recommendation EXA-01: create');
    expect(dry.stdout).toContain('Dry run: nothing was changed.');

    const bad = path.join(dir, 'bad.csv');
    fs.writeFileSync(
      bad,
      [
        'report_slug,report_title,report_issuer_name,report_legal_basis,ref,title,body,text_status,made_on,addressees',
        'r-bad,Report,Office,none,X-1,T,B,summary,2021-02-30,npcc',
        'r-bad,Report,Office,none,X-1,T,B,summary,,nobody-at-all',
      ].join('\n'),
    );
    const refused = run('src/cli/import.ts', bad);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Row 2, column made_on');
    expect(refused.stderr).toContain('Row 3, column ref');

    const applied = run('src/cli/import.ts', EXAMPLE);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('Imported.');

    const again = run('src/cli/import.ts', EXAMPLE, '--dry-run');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Nothing to change');

    if (db) {
      const events = await db
        .knex('audit_events')
        .where({ action: 'recommendation.create' })
        .whereRaw(`after->>'ref' like 'EXA-%'`)
        .select('actor_type', 'actor_label');
      expect(events).toHaveLength(4);
      expect(events[0]).toEqual({
        actor_type: 'system',
        actor_label: expect.stringMatching(/^command line: npm run import \(user .+\)$/),
      });
      expect(await db.knex('reports').where({ slug: 'r-bad' }).first()).toBeUndefined();
    }
  }, 300000);

  it('prints the usage and exits 1 without a file', () => {
    const res = run('src/cli/import.ts');
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('usage: npm run import');
  });
});
