/**
 * Every stories file, by name, for test/browser/stories-a11y.test.ts. Kept
 * apart from the test (no imports, no DOM) so test/node/stories-list.test.ts
 * can hold it against the stories directory: a new stories file that is not
 * listed here fails that test instead of escaping the axe checks.
 */
export const STORY_FILES = [
  'big-number.stories.ts',
  'checkpoint-table.stories.ts',
  'connection-status.stories.ts',
  'gpu-util.stories.ts',
  'health-table.stories.ts',
  'loss-chart.stories.ts',
  'metric-chart.stories.ts',
  'metric-detail.stories.ts',
  'milestone-bar.stories.ts',
  'moe-heatmap.stories.ts',
  'moe-tokens.stories.ts',
  'run-picker.stories.ts',
  'sample-viewer.stories.ts',
  'time-range.stories.ts',
  'trainwatch-filters.stories.ts',
  'trainwatch-source.stories.ts',
] as const;
