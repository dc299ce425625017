/**
 * The Dockerfile, docker-compose.yml, scripts/make-env.sh and package.json agree with each other and
 * with the app: what the image runs exists, what the app requires is provided, what the health
 * checks ask for is answered. No Docker engine is needed; the files are read and checked.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import semver from 'semver';
import request from 'supertest';
import { loadConfig, SETTING_NAMES } from '../src/config';
import { buildTestApp } from './app';
import { createTestDatabase, type TestDatabase } from './db';

const ROOT = path.resolve(__dirname, '..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
const pkg = JSON.parse(read('package.json')) as {
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  scripts: Record<string, string>;
};

/** The Dockerfile as stages of [instruction, argument] pairs, continuation lines joined. */
function dockerfileStages(): { name: string; from: string; lines: [string, string][] }[] {
  const text = read('Dockerfile').replace(/\\\n/g, ' ');
  const args = new Map<string, string>();
  const stages: { name: string; from: string; lines: [string, string][] }[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [, op, rest] = /^(\S+)\s+(.*)$/.exec(line) ?? [];
    const instruction = op!.toUpperCase();
    if (instruction === 'ARG' && stages.length === 0) {
      const [name, value] = rest!.split('=');
      args.set(name!, value ?? '');
    } else if (instruction === 'FROM') {
      const [image, , name] = rest!.split(/\s+/);
      stages.push({
        name: name ?? '',
        from: image!.replace(/\$\{(\w+)\}/g, (_, n: string) => args.get(n) ?? ''),
        lines: [],
      });
    } else {
      stages.at(-1)!.lines.push([instruction, rest!]);
    }
  }
  return stages;
}

interface ComposeService {
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  build?: unknown;
  volumes?: string[];
}
const compose = yaml.load(read('docker-compose.yml')) as {
  services: Record<string, ComposeService>;
};

/** Compose's ${VAR}, ${VAR:-default} and ${VAR:?message} interpolation, as `docker compose` does it. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_, name: string, op, arg: string) => {
    const set = env[name];
    if (set) return set;
    if (op === '?') throw new Error(`${name}: ${arg}`);
    return op === '-' ? arg : '';
  });
}

/** Runs scripts/make-env.sh in a scratch copy of the project and reads the .env it writes. */
function makeEnv(): Record<string, string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracker-env-'));
  try {
    fs.mkdirSync(path.join(dir, 'scripts'));
    fs.copyFileSync(path.join(ROOT, 'scripts/make-env.sh'), path.join(dir, 'scripts/make-env.sh'));
    execFileSync('sh', [path.join(dir, 'scripts/make-env.sh')], { stdio: 'pipe' });
    const env: Record<string, string> = {};
    for (const line of fs.readFileSync(path.join(dir, '.env'), 'utf8').split('\n')) {
      const match = /^([A-Z_]+)=(.*)$/.exec(line);
      if (match) env[match[1]!] = match[2]!;
    }
    expect((fs.statSync(path.join(dir, '.env')).mode & 0o077).toString(8)).toBe('0');
    // A second run keeps the first file (and its SECRET_KEY) and says so.
    expect(() =>
      execFileSync('sh', [path.join(dir, 'scripts/make-env.sh')], { stdio: 'pipe' }),
    ).toThrow(/already exists/);
    return env;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('the deployment files', () => {
  const stages = dockerfileStages();
  const runtime = stages.at(-1)!;
  const runtimeArgs = (instruction: string) =>
    runtime.lines.filter(([op]) => op === instruction).map(([, rest]) => rest);

  it('build on a Node.js LTS image that package.json engines accepts, as does the Node.js running the tests', () => {
    for (const stage of stages) {
      const major = Number(/^node:(\d+)/.exec(stage.from)?.[1]);
      expect(major).toBeGreaterThanOrEqual(24);
      expect(major % 2).toBe(0); // even majors are the LTS lines
      expect(semver.satisfies(`${major}.0.0`, pkg.engines.node)).toBe(true);
    }
    expect(semver.satisfies(process.version, pkg.engines.node)).toBe(true);
    expect(semver.satisfies('20.19.0', pkg.engines.node)).toBe(true);
    expect(semver.satisfies('20.18.0', pkg.engines.node)).toBe(false);
  });

  it('run the compiled server as an unprivileged user, with no build tools or package manager', () => {
    const cmd = JSON.parse(runtimeArgs('CMD').at(-1)!) as string[];
    expect(cmd).toEqual(['node', 'dist/src/server.js']);
    expect(pkg.scripts['start:prod']).toBe('node dist/src/server.js');
    expect(fs.existsSync(path.join(ROOT, 'src/server.ts'))).toBe(true);
    const user = runtimeArgs('USER').at(-1);
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    // Build tools are development dependencies; the build stage prunes them before the copy.
    for (const tool of ['tsx', 'typescript', 'sass', 'ts-jest', 'jest', 'eslint']) {
      expect(pkg.dependencies[tool]).toBeUndefined();
    }
    expect(pkg.devDependencies.tsx).toBeDefined();
    const build = stages.find((s) => s.name === 'build')!;
    expect(
      build.lines.some(([op, rest]) => op === 'RUN' && /npm prune --omit=dev/.test(rest)),
    ).toBe(true);
    expect(runtimeArgs('RUN').some((r) => /rm -rf .*\/usr\/local\/bin\/npm/.test(r))).toBe(true);
    // Everything copied in comes from the build stage; nothing is installed in the runtime stage.
    for (const copy of runtimeArgs('COPY')) expect(copy).toMatch(/^--from=build /);
    expect(runtimeArgs('RUN').join(' ')).not.toMatch(/npm (ci|install)|apt-get install/);
  });

  it('copy into the image every file the compiled app reads from its source folders', () => {
    const copied = runtimeArgs('COPY').map((c) => c.split(/\s+/)[1]!.replace(/^\/app\//, ''));
    for (const needed of ['package.json', 'node_modules', 'dist', 'views', 'public']) {
      expect(copied).toContain(needed);
    }
    // Non-TypeScript files under src/ that the code reads at run time (tsc copies none of them).
    const dataFiles = execFileSync('git', ['ls-files', 'src'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter((f) => f && !f.endsWith('.ts'));
    for (const file of dataFiles) expect(copied).toContain(file);
  });

  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it('health checks (image and compose) ask for a path the app answers with 200', async () => {
    const { app } = buildTestApp(db.knex);
    const imageCheck = runtimeArgs('HEALTHCHECK').at(-1)!;
    const composeCheck = compose.services.app!.healthcheck!.test.join(' ');
    for (const check of [imageCheck, composeCheck]) {
      const urlPath = /127\.0\.0\.1:'\+\(process\.env\.PORT\|\|3000\)\+'(\/[a-z]+)/.exec(
        check,
      )?.[1];
      expect(urlPath).toBeDefined();
      const res = await request(app).get(urlPath!);
      expect(res.status).toBe(200);
    }
  });

  it('compose gives the app every setting it needs in production, with values made by scripts/make-env.sh', () => {
    const env = makeEnv();
    expect(env.SECRET_KEY).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const app = compose.services.app!;
    expect(app.build).toBeDefined();
    const names = Object.keys(app.environment ?? {});
    // Every variable compose hands to the app is one the app reads.
    for (const name of names) expect(SETTING_NAMES).toContain(name);
    for (const name of ['DATABASE_URL', 'SECRET_KEY']) expect(names).toContain(name);

    const appEnv = Object.fromEntries(
      Object.entries(app.environment!).map(([k, v]) => [k, interpolate(String(v), env)]),
    );
    // The image sets these (ENV in the runtime stage).
    const imageEnv = Object.fromEntries(
      runtimeArgs('ENV')
        .join(' ')
        .split(/\s+/)
        .filter((kv) => kv.includes('='))
        .map((kv) => kv.split('=') as [string, string]),
    );
    expect(imageEnv.NODE_ENV).toBe('production');
    const config = loadConfig({ ...imageEnv, ...appEnv });
    expect(config.env).toBe('production');
    expect(config.database.kind).toBe('server');
    expect(config.secretKey?.length).toBe(32);
    expect(config.host).toBe('0.0.0.0');

    // Two roles (ADR 0009): the app connects as tracker_app, migrates as tracker_owner, with the
    // passwords the database service hands to its init script, which makes exactly those roles.
    const dbEnv = compose.services.db!.environment!;
    const dbPassword = (name: string) => interpolate(String(dbEnv[name]), env);
    const appUrl = new URL(appEnv.DATABASE_URL!);
    const ownerUrl = new URL(appEnv.DATABASE_MIGRATION_URL!);
    expect(config.database.kind === 'server' && config.database.migrationUrl).toBe(
      appEnv.DATABASE_MIGRATION_URL,
    );
    expect([appUrl.username, appUrl.password]).toEqual([
      'tracker_app',
      dbPassword('TRACKER_APP_PASSWORD'),
    ]);
    expect([ownerUrl.username, ownerUrl.password]).toEqual([
      'tracker_owner',
      dbPassword('TRACKER_OWNER_PASSWORD'),
    ]);
    expect(appUrl.pathname).toBe(ownerUrl.pathname);
    const mount = compose.services.db!.volumes!.find((v) =>
      v.endsWith(':/docker-entrypoint-initdb.d:ro'),
    );
    expect(mount).toBeDefined();
    const initDir = path.join(ROOT, mount!.split(':')[0]!);
    const scripts = fs
      .readdirSync(initDir)
      .map((f) => fs.readFileSync(path.join(initDir, f), 'utf8'));
    const init = scripts.join('\n');
    expect(init).toContain('create role tracker_owner login');
    expect(init).toContain('create role tracker_app login');
    expect(init).toContain(`create database ${appUrl.pathname.slice(1)} owner tracker_owner`);
    for (const name of ['TRACKER_OWNER_PASSWORD', 'TRACKER_APP_PASSWORD'])
      expect(init).toContain(name);
  });

  it('compose refuses to start without .env, naming what is missing and how to make it', () => {
    const app = compose.services.app!;
    expect(() => interpolate(String(app.environment!.SECRET_KEY), {})).toThrow(
      /^SECRET_KEY: run scripts\/make-env\.sh/,
    );
    expect(() =>
      interpolate(String(compose.services.db!.environment!.POSTGRES_PASSWORD), {}),
    ).toThrow(/make-env\.sh/);
  });
});
