/**
 * Where the one-time setup link goes when nobody is watching a terminal. The link creates the first
 * administrator, so it is a secret: it is printed only to an interactive terminal (the start banner),
 * never into logs. Without a terminal, on the embedded database, it is written to
 * DATA_DIR/setup-link.txt, readable by this user only (`npm run setup-link` prints it); on a server
 * database `npm run setup-link` issues a fresh one.
 */
import fs from 'node:fs';
import path from 'node:path';

export function setupLinkFile(dataDir: string): string {
  return path.join(dataDir, 'setup-link.txt');
}

/** Writes the link (replacing an older one), or removes the file when there is no link to give. */
export function keepSetupLink(dataDir: string, link: string | null): string | null {
  const file = setupLinkFile(dataDir);
  fs.rmSync(file, { force: true });
  if (!link) return null;
  fs.writeFileSync(file, `${link}\n`, { mode: 0o600, flag: 'wx' });
  return file;
}

/** What the start-up says about the setup link, by whether stdout is a terminal. */
export function setupLinkNotice(
  interactive: boolean,
  database: 'server' | 'embedded',
  file: string | null,
): string | null {
  if (interactive) return null;
  return database === 'embedded' && file
    ? `No administrator account yet: the one-time setup link is in ${file} (readable by this user only; npm run setup-link prints it)`
    : 'No administrator account yet: run `npm run setup-link` (in the container: node dist/src/cli/setup-link.js) to get the one-time setup link';
}
