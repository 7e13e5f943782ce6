// Every stories file is covered by the axe checks of test/browser/stories-a11y.test.ts:
// the list it imports must name exactly the files of stories/ (the browser cannot list a directory).
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { STORY_FILES } from '../browser/stories-list.js';

test('test/browser/stories-list.ts names every stories/*.stories.ts file, and only those', () => {
  const onDisk = readdirSync(new URL('../../stories/', import.meta.url))
    .filter((name) => name.endsWith('.stories.ts'))
    .sort();
  assert.ok(onDisk.length > 0, 'no stories found: wrong directory?');
  const listed = new Set<string>(STORY_FILES);
  assert.deepEqual(onDisk.filter((name) => !listed.has(name)), [], 'stories files missing from test/browser/stories-list.ts (so axe never sees them)');
  assert.deepEqual([...listed].filter((name) => !onDisk.includes(name)).sort(), [], 'test/browser/stories-list.ts names files that are not in stories/');
});
