/**
 * The single-file bundle is what a wiki page downloads: it must stay under
 * 120 KB gzipped and pull in no other file. Runs after the build (npm test
 * builds first).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { it } from 'node:test';
import { gzipSync } from 'node:zlib';

const BUNDLE = 'dist/bundle/trainwatch.js';

it('the single-file bundle is under 120 KB gzipped and imports nothing', () => {
  assert.ok(existsSync(BUNDLE), `${BUNDLE} is built (npm run build)`);
  const code = readFileSync(BUNDLE);
  const gzipped = gzipSync(code).length;
  assert.ok(gzipped < 120 * 1024, `${(gzipped / 1024).toFixed(1)} KB gzipped`);
  // No static or dynamic import of another module: one file is the whole library.
  const text = code.toString('utf8');
  assert.doesNotMatch(text, /(^|[;}\n])\s*import\s*[{*"']|\bimport\s*\(\s*["'`]/);
});
