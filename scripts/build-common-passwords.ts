/**
 * Writes src/modules/accounts/common-passwords.txt, the list `checkPasswordPolicy` refuses, from
 * the password dictionary of the npm package @zxcvbn-ts/language-common (MIT), version 4.
 *
 * The package is not a dependency of the app. Unpack it somewhere and pass its folder:
 *
 *   cd /tmp && npm pack @zxcvbn-ts/language-common@4 && tar xzf zxcvbn-ts-language-common-*.tgz
 *   npx tsx scripts/build-common-passwords.ts /tmp/package
 *
 * (Without an argument the script looks for the package in node_modules.)
 *
 * The package ships its dictionary twice: compressed in dist/passwords.json.cjs (decompressed at
 * run time by @zxcvbn-ts/dictionary-compression) and plain in src/passwords.json, a JSON array of
 * strings ordered from most to least common. This reads the plain one.
 *
 * Output: one password a line, NFC, lower case, in the dictionary's order with duplicates removed,
 * keeping only entries of 8 characters (code points) or more. Shorter ones are refused by the
 * minimum length anyway; 8 keeps the list useful should the minimum ever be lowered to ASVS's 8.
 * Built from 4.1.3: 49,233 entries in, 17,950 out (308 of them 12 characters or more).
 */
import fs from 'node:fs';
import path from 'node:path';

import { commonPasswordKey } from '../src/modules/accounts/password';

const PACKAGE_NAME = '@zxcvbn-ts/language-common';
const MIN_KEPT_LENGTH = 8;
const output = path.resolve(__dirname, '../src/modules/accounts/common-passwords.txt');

function packageFolder(): string {
  const given = process.argv[2];
  if (given) return path.resolve(given);
  try {
    return path.dirname(require.resolve(`${PACKAGE_NAME}/package.json`));
  } catch {
    throw new Error(
      `${PACKAGE_NAME} is not installed. Unpack it with \`npm pack ${PACKAGE_NAME}@4\` and pass ` +
        'the unpacked folder (the one holding package.json) as the first argument.',
    );
  }
}

function readDictionary(folder: string): { version: string; words: string[] } {
  const manifest = JSON.parse(fs.readFileSync(path.join(folder, 'package.json'), 'utf8')) as {
    name?: unknown;
    version?: unknown;
  };
  if (manifest.name !== PACKAGE_NAME) {
    throw new Error(`${folder} holds ${String(manifest.name)}, not ${PACKAGE_NAME}`);
  }
  const version = String(manifest.version);
  if (!version.startsWith('4.')) throw new Error(`Expected version 4, found ${version}`);
  const words: unknown = JSON.parse(
    fs.readFileSync(path.join(folder, 'src', 'passwords.json'), 'utf8'),
  );
  if (!Array.isArray(words) || !words.every((w) => typeof w === 'string')) {
    throw new Error('src/passwords.json is not an array of strings');
  }
  return { version, words };
}

function buildList(words: string[]): string[] {
  const kept = new Set<string>();
  for (const word of words) {
    const key = commonPasswordKey(word);
    if (/[\r\n]/.test(key)) continue; // cannot be one line
    if (Array.from(key).length >= MIN_KEPT_LENGTH) kept.add(key);
  }
  return [...kept];
}

const folder = packageFolder();
const { version, words } = readDictionary(folder);
const list = buildList(words);
fs.writeFileSync(output, `${list.join('\n')}\n`);
console.log(
  `${PACKAGE_NAME}@${version}: ${words.length} entries read, ${list.length} written to ` +
    path.relative(process.cwd(), output),
);
