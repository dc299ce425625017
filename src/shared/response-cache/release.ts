/**
 * An identifier of the code and templates that render pages, so a validator (ETag) made by one
 * release never matches a page made by another: a deploy that changes a template must not answer
 * 304 for the old markup. The same files give the same identifier on every instance, so a client
 * revalidating against another instance of the same release still gets 304.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../project-root';

let computed: string | null = null;

function addTree(hash: ReturnType<typeof createHash>, dir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const name of names) {
    const full = path.join(dir, name);
    const stat = fs.statSync(full);
    if (stat.isDirectory()) addTree(hash, full);
    else if (!name.endsWith('.test.ts')) hash.update(name).update(fs.readFileSync(full));
  }
}

/** Hash of package.json, the views and the code (read once per process). */
export function releaseId(): string {
  if (computed) return computed;
  const hash = createHash('sha256');
  hash.update(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json')));
  for (const dir of ['views', 'src', 'dist/src']) addTree(hash, path.join(PROJECT_ROOT, dir));
  computed = hash.digest('base64url').slice(0, 16);
  return computed;
}
