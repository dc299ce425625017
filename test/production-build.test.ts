/**
 * The image's steps without Docker: compile as `npm run build` does, put exactly what the
 * Dockerfile's runtime stage copies into an empty folder, install the runtime dependencies alone
 * with `npm ci --omit=dev`, and start `node dist/src/server.js` in production mode against an empty
 * PostgreSQL database. It must migrate, seed and serve `/`, with no tsx or TypeScript installed.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { createServerDatabase, dropServerDatabase, usingServerDatabase } from './db';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');
const itServer = usingServerDatabase ? it : it.skip;

/** Sources of the runtime stage's `COPY --from=build /app/<x> ./<x>` lines, in order. */
function runtimeCopies(): string[] {
  const text = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  const runtime = text.slice(text.lastIndexOf('\nFROM '));
  return [...runtime.matchAll(/^COPY --from=build \/app\/(\S+) \.\/(\S+)$/gm)].map((m) => {
    expect(m[1]).toBe(m[2]);
    return m[1]!;
  });
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('the production build', () => {
  let dir = '';
  let database: { name: string; url: string } | undefined;
  let proc: ChildProcess | undefined;

  afterAll(async () => {
    if (proc && proc.exitCode === null) proc.kill('SIGKILL');
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    if (database) await dropServerDatabase(database.name);
  });

  itServer(
    'installed with npm ci --omit=dev, starts with node as NODE_ENV=production and serves /',
    async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracker-image-'));
      // `npm run build`: tsc (here into the scratch folder, so the worktree's dist/ is untouched) and
      // the CSS, which `npm test` has just built into public/build.
      await run(
        process.execPath,
        [
          path.join(ROOT, 'node_modules/typescript/bin/tsc'),
          '-p',
          'tsconfig.build.json',
          '--outDir',
          path.join(dir, 'dist'),
        ],
        { cwd: ROOT },
      );
      expect(fs.existsSync(path.join(ROOT, 'public/build/app.css'))).toBe(true);

      // The runtime stage's copies, except node_modules, which is installed afresh below.
      for (const item of runtimeCopies()) {
        if (item === 'dist' || item === 'node_modules') continue;
        fs.cpSync(path.join(ROOT, item), path.join(dir, item), { recursive: true });
      }
      fs.copyFileSync(path.join(ROOT, 'package-lock.json'), path.join(dir, 'package-lock.json'));
      await run(
        'npm',
        ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'],
        { cwd: dir, env: { ...process.env, NODE_ENV: 'production' } },
      );
      for (const tool of ['tsx', 'typescript', 'sass', 'jest', 'eslint']) {
        expect(fs.existsSync(path.join(dir, 'node_modules', tool))).toBe(false);
      }
      expect(fs.existsSync(path.join(dir, 'dist/src/server.js'))).toBe(true);

      database = await createServerDatabase(false);
      const port = await freePort();
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(port),
        DATABASE_URL: database.url,
        SECRET_KEY: randomBytes(32).toString('base64'),
        LOG_LEVEL: 'info',
        NOTIFICATIONS_INTERVAL_SECONDS: '0',
      };
      proc = spawn(process.execPath, ['dist/src/server.js'], {
        cwd: dir,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      proc.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
      proc.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      const exited = new Promise<number | null>((resolve) =>
        proc!.once('exit', (code) => resolve(code)),
      );
      const deadline = Date.now() + 90_000;
      while (!/"msg":"listening"/.test(stdout)) {
        if (proc.exitCode !== null) throw new Error(`exited early: ${stderr}`);
        if (Date.now() > deadline) throw new Error(`not listening; stderr: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }

      const home = await fetch(`http://127.0.0.1:${port}/`);
      expect(home.status).toBe(200);
      expect(await home.text()).toContain('Operation Linden');
      const css = await fetch(`http://127.0.0.1:${port}/assets/build/app.css`);
      expect(css.status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);

      proc.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stderr).toBe('');
    },
    180_000,
  );
});
