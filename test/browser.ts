/**
 * Headless Chromium for page tests: Debian's chromium driven by playwright-core (downloading a
 * browser is not possible here). CHROMIUM_PATH overrides the location.
 */
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CANDIDATES = [
  process.env.CHROMIUM_PATH,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
];

export const chromiumPath = CANDIDATES.find((p): p is string => Boolean(p && fs.existsSync(p)));

/** In CI (or with REQUIRE_BROWSER=1) a missing browser fails the run instead of skipping the tests. */
export const browserRequired = process.env.CI === 'true' || process.env.REQUIRE_BROWSER === '1';

export async function launchBrowser(): Promise<Browser> {
  if (!chromiumPath)
    throw new Error(
      'No Chromium found: install it (apt-get install chromium) or set CHROMIUM_PATH',
    );
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
