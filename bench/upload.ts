/**
 * `npx tsx bench/upload.ts` (also run at the end of `npm run bench`)
 *
 * Uploads one 25 MB PDF-looking file as evidence with a progress update, through the real app on a
 * fresh PostgreSQL database, and reports how long it took and how much the process's peak RSS and
 * heap grew while it ran. The app runs in this process so its heap can be read; the request body is
 * generated 64 KB at a time as the socket takes it, so the client side holds no copy of the file
 * and the growth measured is the server's. The database is dropped at the end, also on failure.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { openEmbeddedDatabase, openServerDatabase } from '../src/db/knex';
import { fileEvidenceStore } from '../src/modules/assignments/evidence.store';
import { migrateToLatest } from '../src/db/migrate';
import { createLogger } from '../src/logger';
import { buildServices } from '../src/services';
import { systemClock } from '../src/shared/clock';

const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const FILE_BYTES = 25 * 1024 * 1024;
const PIECE_BYTES = 64 * 1024;
const SAMPLE_MS = 10;

export interface UploadBenchResult {
  fileBytes: number;
  status: number;
  seconds: number;
  megabytesPerSecond: number;
  rssBeforeMiB: number;
  rssPeakGrowthMiB: number;
  heapBeforeMiB: number;
  heapPeakGrowthMiB: number;
  storedChunks: number;
}

const mib = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;

export async function runUploadBench(
  adminUrl: string = DEFAULT_ADMIN_URL,
): Promise<UploadBenchResult> {
  const admin = new URL(adminUrl);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(admin.hostname))
    throw new Error(`The upload bench only uses a loopback database, got ${admin.hostname}`);
  const name = `bench_upload_${randomBytes(4).toString('hex')}`;
  const server = (url: string) =>
    openServerDatabase(
      { kind: 'server', url, poolMax: 4, connectTimeoutMs: 5000, statementTimeoutMs: 120000 },
      createLogger('warn'),
    );
  const adminDb = server(adminUrl);
  await adminDb.knex.raw('create database ??', [name]);
  const dbUrl = new URL(admin);
  dbUrl.pathname = `/${name}`;
  const db = server(dbUrl.toString());
  let listener: http.Server | null = null;
  try {
    await migrateToLatest(db);
    const config = loadConfig({
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATABASE_URL: dbUrl.toString(),
      SECRET_KEY: randomBytes(32).toString('base64'),
      SEED_ON_START: 'false',
    });
    const services = buildServices({
      knex: db.knex,
      clock: systemClock,
      config,
      logger: createLogger('warn'),
    });
    const app = createApp(services);
    const { assignmentId, token, csrf } = await seedUploadTarget(db.knex, services);
    listener = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => listener!.once('listening', resolve));
    const { port } = listener.address() as AddressInfo;

    globalThis.gc?.();
    const before = process.memoryUsage();
    let peakRss = before.rss;
    let peakHeap = before.heapUsed;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    }, SAMPLE_MS);
    const started = performance.now();
    const status = await postUpload(port, assignmentId, token, csrf);
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const stored = await db.knex('evidence_file_chunks').count('* as n').first();
    return {
      fileBytes: FILE_BYTES,
      status,
      seconds: Math.round(seconds * 100) / 100,
      megabytesPerSecond: Math.round((FILE_BYTES / 2 ** 20 / seconds) * 10) / 10,
      rssBeforeMiB: mib(before.rss),
      rssPeakGrowthMiB: mib(peakRss - before.rss),
      heapBeforeMiB: mib(before.heapUsed),
      heapPeakGrowthMiB: mib(peakHeap - before.heapUsed),
      storedChunks: Number(stored?.n),
    };
  } finally {
    if (listener) await new Promise((resolve) => listener!.close(resolve));
    await db.close();
    await adminDb.knex.raw('drop database if exists ?? with (force)', [name]);
    await adminDb.close();
  }
}

/** An organisation, report, recommendation, assignment and a signed-in lead to upload as. */
async function seedUploadTarget(
  knex: Knex,
  services: ReturnType<typeof buildServices>,
): Promise<{ assignmentId: number; token: string; csrf: string }> {
  const db = { knex };
  const [org] = await db
    .knex('organisations')
    .insert({ slug: 'bench-force', name: 'Bench Force', kind: 'police_force' })
    .returning(['id']);
  const [report] = await db
    .knex('reports')
    .insert({
      slug: 'bench-report',
      title: 'Bench report',
      issuer_name: 'Bench office',
      published_on: '2024-01-10',
      legal_basis: 'iopc_para_28a',
    })
    .returning(['id']);
  const [rec] = await db
    .knex('recommendations')
    .insert({
      report_id: report.id,
      ref: 'BENCH-01',
      title: 'Bench',
      body: 'Do the bench thing.',
      text_status: 'summary',
      made_on: '2024-01-10',
    })
    .returning(['id']);
  const [assignment] = await db
    .knex('assignments')
    .insert({ recommendation_id: rec.id, organisation_id: org.id, response_due_on: '2024-03-05' })
    .returning(['id']);
  const [user] = await db
    .knex('users')
    .insert({
      email: 'lead@bench.invalid',
      name: 'Bench lead',
      role: 'org_lead',
      organisation_id: org.id,
    })
    .returning(['id']);
  const { token, session } = await services.sessions.start(db.knex, {
    userId: user.id,
    state: 'active',
    context: { ip: '127.0.0.1', userAgent: 'bench', requestId: null },
  });
  return { assignmentId: assignment.id, token, csrf: session.csrfToken };
}

/** POSTs one progress update with a FILE_BYTES PDF, generated as the socket takes it. */
function postUpload(
  port: number,
  assignmentId: number,
  token: string,
  csrf: string,
): Promise<number> {
  const boundary = `----bench${randomBytes(8).toString('hex')}`;
  const field = (n: string, v: string) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${n}"\r\n\r\n${v}\r\n`;
  const head = Buffer.from(
    field('_csrf', csrf) +
      field('narrative', 'Benchmark upload.') +
      field('selfAssessment', 'on_track') +
      `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="bench.pdf"\r\n` +
      'Content-Type: application/pdf\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const piece = randomBytes(PIECE_BYTES);
  const first = Buffer.concat([Buffer.from('%PDF-1.7\n'), piece.subarray(9)]);

  return new Promise<number>((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: `/workspace/assignments/${assignmentId}/updates`,
        headers: {
          Cookie: `tracker-session=${token}`,
          'Content-Type': `multipart/form-data; boundary=${boundary}`,
          'Content-Length': String(head.length + FILE_BYTES + tail.length),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.write(head);
    let sent = 0;
    const pump = () => {
      while (sent < FILE_BYTES) {
        const part = sent === 0 ? first : piece;
        const size = Math.min(part.length, FILE_BYTES - sent);
        sent += size;
        if (!req.write(size === part.length ? part : part.subarray(0, size))) {
          req.once('drain', pump);
          return;
        }
      }
      req.end(tail);
    };
    pump();
  });
}

export interface EmbeddedUploadsResult {
  store: 'files' | 'database';
  uploads: number;
  statuses: number[];
  rssBeforeMiB: number;
  rssAfterMiB: number;
  rssGrowthMiB: number;
  rssAfterEachMiB: number[];
}

/**
 * `count` uploads of FILE_BYTES in a row into a fresh embedded database in a temporary DATA_DIR,
 * with the evidence bytes in files (as `npm start` does) or in the database (as before), and the
 * process's RSS before, after each and at the end: on the embedded database the WebAssembly heap
 * lives in this process, so RSS is what a user sees.
 */
export async function runEmbeddedUploads(
  count: number,
  store: 'files' | 'database',
): Promise<EmbeddedUploadsResult> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-embedded-upload-'));
  const db = await openEmbeddedDatabase(path.join(dataDir, 'db'), createLogger('warn'));
  let listener: http.Server | null = null;
  try {
    await migrateToLatest(db);
    const config = loadConfig({
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      SECRET_KEY: randomBytes(32).toString('base64'),
      SEED_ON_START: 'false',
    });
    const services = buildServices({
      knex: db.knex,
      clock: systemClock,
      config,
      logger: createLogger('warn'),
      evidenceStore:
        store === 'files' ? fileEvidenceStore(path.join(dataDir, 'evidence')) : undefined,
    });
    const app = createApp(services);
    const { assignmentId, token, csrf } = await seedUploadTarget(db.knex, services);
    listener = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => listener!.once('listening', resolve));
    const { port } = listener.address() as AddressInfo;
    globalThis.gc?.();
    const before = process.memoryUsage().rss;
    const statuses: number[] = [];
    const after: number[] = [];
    for (let i = 0; i < count; i++) {
      statuses.push(await postUpload(port, assignmentId, token, csrf));
      globalThis.gc?.();
      after.push(mib(process.memoryUsage().rss));
    }
    const end = process.memoryUsage().rss;
    return {
      store,
      uploads: count,
      statuses,
      rssBeforeMiB: mib(before),
      rssAfterMiB: mib(end),
      rssGrowthMiB: mib(end - before),
      rssAfterEachMiB: after,
    };
  } finally {
    if (listener) await new Promise((resolve) => listener!.close(resolve));
    await db.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module && process.argv.includes('--embedded')) {
  // `npx tsx bench/upload.ts --embedded [--database-store]`: ten uploads into the embedded database.
  runEmbeddedUploads(10, process.argv.includes('--database-store') ? 'database' : 'files')
    .then((r) => {
      console.log(JSON.stringify(r, null, 2));
      if (r.statuses.some((s) => s !== 303)) process.exitCode = 1;
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
} else if (require.main === module) {
  runUploadBench(process.env.BENCH_DATABASE_URL || DEFAULT_ADMIN_URL)
    .then((r) => {
      console.log('evidence upload (25 MB PDF, one request):');
      console.table(r);
      if (r.status !== 303) process.exitCode = 1;
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
