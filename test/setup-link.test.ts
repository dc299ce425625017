/**
 * The one-time setup link is a secret: printed in the start banner only when stdout is a terminal,
 * never into a log. Without a terminal the app logs JSON lines that say where to get it, keeps it
 * in DATA_DIR/setup-link.txt (readable by this user only), and `npm run setup-link` prints it.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { usingServerDatabase } from './db';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');
const LINK = /http:\/\/localhost:\d+\/setup\/[A-Za-z0-9_-]{20,}/;
const hasScript = fs.existsSync('/usr/bin/script');
// The embedded database only: the server-database path is covered by test/start-path.test.ts.
const itEmbedded = usingServerDatabase ? it.skip : it;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function start(command: string, args: string[], env: NodeJS.ProcessEnv) {
  const proc = spawn(command, args, { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  proc.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c));
  const ready = async () => {
    const deadline = Date.now() + 90_000;
    while (!out.includes('is running at')) {
      if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`not running: ${out}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  return { proc, ready, output: () => out };
}

describe('the setup link', () => {
  let dataDir = '';
  let proc: ChildProcess | undefined;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracker-link-'));
  });
  afterEach(async () => {
    if (proc && proc.exitCode === null) {
      const exited = new Promise((resolve) => proc!.once('exit', resolve));
      proc.kill('SIGKILL');
      await exited;
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  const env = (port: number): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    NOTIFICATIONS_INTERVAL_SECONDS: '0',
  });

  itEmbedded(
    'without a terminal: JSON log lines only, no link in them; the link is in a private file and from npm run setup-link',
    async () => {
      const app = start(
        process.execPath,
        ['--import', 'tsx', 'src/server.ts'],
        env(await freePort()),
      );
      proc = app.proc;
      await app.ready();
      const lines = app
        .output()
        .split('\n')
        .filter((l) => l.trim());
      for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
      expect(app.output()).not.toMatch(LINK);
      expect(app.output()).toContain('setup-link.txt');
      const file = path.join(dataDir, 'setup-link.txt');
      expect(fs.statSync(file).mode & 0o077).toBe(0);
      const link = fs.readFileSync(file, 'utf8').match(LINK)?.[0];
      expect(link).toBeDefined();
      // The app holds the data folder; the command prints the link the app kept.
      const cli = await run(process.execPath, ['--import', 'tsx', 'src/cli/setup-link.ts'], {
        cwd: ROOT,
        env: env(0),
      });
      expect(cli.stdout.trim()).toBe(link);
    },
    150_000,
  );

  (hasScript && !usingServerDatabase ? it : it.skip)(
    'in a terminal: the banner shows the link',
    async () => {
      const port = await freePort();
      // script(1) gives the app a pseudo-terminal as stdout, as `npm start` in a terminal does.
      const app = start(
        'script',
        ['-qfec', `${process.execPath} --import tsx src/server.ts`, '/dev/null'],
        env(port),
      );
      proc = app.proc;
      await app.ready();
      expect(app.output()).toMatch(LINK);
      expect(app.output()).toContain('First run: there is no administrator account yet');
      expect(fs.existsSync(path.join(dataDir, 'setup-link.txt'))).toBe(false);
    },
    150_000,
  );
});
