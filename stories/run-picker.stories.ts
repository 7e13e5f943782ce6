import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { fn } from 'storybook/test';
import '../src/elements/run-picker/run-picker.js';
import type { RunsChangeDetail } from '../src/elements/run-picker/run-picker.component.js';
import type { DataStateDetail } from '../src/internal/trainwatch-element.js';
import { registerFixtureRows, type FixtureContext } from '../src/sources/fixture-source.js';
import type { QueryRow } from '../src/sources/source.js';
import { FIXTURE_RUNS, fixture } from './fixtures.js';
import { renderElement } from './manifest.js';

/** Runs whose name says how they ended: the fixture gives each the status its name implies. */
const FINISHED = 'gpt-124m-warmup-sweep';
const FAILED = 'gpt-124m-lr3e-3';
const PREEMPTED = 'gpt-124m-preempted';
const ALL_RUNS = [...FIXTURE_RUNS, PREEMPTED, FINISHED, FAILED];
/** Wall time of a step in the fixture (its default `stepMs`). */
const STEP_MS = 450;

/** The row the `runs` SQL gives for a run: first and last report, last step, latest `run.status`. */
function runRow(run: string, index: number, context: FixtureContext): QueryRow {
  const endedAgo = run === FINISHED ? 3 * 3600_000 : run === FAILED ? 26 * 3600_000 : run === PREEMPTED ? 20 * 60_000 : 800 + index * 400;
  const lastStep = run === FAILED ? 1187 : run === FINISHED ? 500 : Math.max(0, context.lastStep - index * 150);
  const lastMs = Date.now() - endedAgo;
  return {
    run,
    first_ms: String(lastMs - lastStep * STEP_MS),
    last_ms: String(lastMs),
    last_step: String(lastStep),
    status: run === FINISHED ? 'finished' : run === FAILED ? 'failed' : '',
    reason: run === FAILED ? 'loss went to NaN at step 1187' : '',
  };
}

// Newest report first, as the SQL orders them.
registerFixtureRows('runs', (params, context) =>
  context.runs
    .map((run, index) => runRow(run, index, context))
    .sort((a, b) => Number(b.last_ms) - Number(a.last_ms))
    .slice(0, Number(params.limit)),
);

/** The element's attributes, named as in HTML, plus spies for its events. */
interface RunPickerArgs {
  src: string;
  selected?: string;
  'default-count'?: number;
  'status-metric'?: string;
  'stale-after'?: number;
  limit?: number;
  theme?: 'light' | 'dark';
  onTrainwatchRunsChange: (event: CustomEvent<RunsChangeDetail>) => void;
  onTrainwatchState: (event: CustomEvent<DataStateDetail>) => void;
}

const meta = {
  title: 'Elements/run-picker',
  component: 'run-picker',
  parameters: {
    docs: {
      description: {
        component: `\`<run-picker>\` lists the runs in the table, newest report first, as badges in the colour each run has
on the whole page, with its status: live, stale (no report for \`stale-after\` seconds), finished or failed (with the
reason from its \`run.status\` row). Clicking a badge toggles the run and fires \`trainwatch-runs-change\`; a page
passes \`detail.runs\` on to its charts' \`run\`. Stories read generated runs from a \`fixture:\` source.`,
      },
    },
  },
  args: {
    src: fixture('default', { runs: ALL_RUNS.join(',') }),
    onTrainwatchRunsChange: fn(),
    onTrainwatchState: fn(),
  },
  argTypes: {
    src: { control: 'text', description: 'ClickHouse HTTP URL, or `fixture:<scenario>?runs=…` for generated runs.' },
  },
  render: (args, context) => renderElement('run-picker', args, context),
} satisfies Meta<RunPickerArgs>;

export default meta;
type Story = StoryObj<RunPickerArgs>;

/** Six runs: three live, one stale, one finished, one failed; the two newest selected. */
export const Default: Story = {};

/** A selection set by the page (`selected`), e.g. from the URL. */
export const Selected: Story = {
  args: { selected: `${FIXTURE_RUNS[0]},${FAILED}` },
};

/** Runs report every few seconds; `stale-after="1"` marks any that missed the last second. */
export const StaleAfterOneSecond: Story = {
  args: { 'stale-after': 1, 'default-count': 1 },
};

/** Before the first answer. */
export const Loading: Story = {
  args: { src: fixture('loading') },
};

/** A table with no runs yet. */
export const Empty: Story = {
  args: { src: fixture('default', { runs: '' }) },
};

/** The server cannot be reached. */
export const Unreachable: Story = {
  name: 'Error',
  args: { src: fixture('error') },
};

/** The dark theme, on a dark page. */
export const Dark: Story = {
  args: { theme: 'dark' },
};
