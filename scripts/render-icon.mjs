#!/usr/bin/env node
// Renders media/icon.svg to media/icon.png (256×256, transparent corners) with the Chromium the e2e tests use
// (playwright-core; DRIFT_GUARD_CHROMIUM or /usr/bin/chromium). Run it after editing the SVG:
//   node scripts/render-icon.mjs
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SIZE = 256;
const svg = fs.readFileSync(path.join(ROOT, 'media', 'icon.svg'), 'utf8');
const browser = await chromium.launch({
  executablePath: process.env.DRIFT_GUARD_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
try {
  const page = await browser.newPage({ viewport: { width: SIZE, height: SIZE }, deviceScaleFactor: 1 });
  await page.setContent(`<!doctype html><html><body style="margin:0;background:transparent">${svg}</body></html>`);
  await page.locator('svg').screenshot({ path: path.join(ROOT, 'media', 'icon.png'), omitBackground: true });
} finally {
  await browser.close();
}
process.stdout.write(`wrote media/icon.png (${SIZE}x${SIZE})\n`);
