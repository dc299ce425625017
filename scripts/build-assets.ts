/**
 * Compiles assets/scss/app.scss (GOV.UK Frontend with our settings) to public/build/app.css.
 * Skips the work when the output is newer than every input, so `npm start` stays quick.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as sass from 'sass';

const root = path.resolve(__dirname, '..');
const input = path.join(root, 'assets/scss/app.scss');
const output = path.join(root, 'public/build/app.css');
const govukPackage = path.join(root, 'node_modules/govuk-frontend/package.json');

function newestInput(): number {
  const times = [input, govukPackage].map((f) => fs.statSync(f).mtimeMs);
  for (const f of fs.readdirSync(path.dirname(input)))
    times.push(fs.statSync(path.join(path.dirname(input), f)).mtimeMs);
  return Math.max(...times);
}

const force = process.argv.includes('--force');
if (!force && fs.existsSync(output) && fs.statSync(output).mtimeMs >= newestInput()) {
  process.exit(0);
}
const result = sass.compile(input, {
  loadPaths: [path.join(root, 'node_modules/govuk-frontend/dist')],
  style: 'compressed',
  quietDeps: true,
});
fs.mkdirSync(path.dirname(output), { recursive: true });
fs.writeFileSync(output, result.css);
