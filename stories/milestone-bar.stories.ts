import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { fn } from 'storybook/test';
import '../src/elements/milestone-bar/milestone-bar.js';
import type { DataStateDetail } from '../src/internal/trainwatch-element.js';
import { registerFixtureRows, type FixtureContext } from '../src/sources/fixture-source.js';
import type { QueryParam, QueryRow } from '../src/sources/source.js';
import { renderElement } from './manifest.js';
import { BASELINE, fixture } from './fixtures.js';

type Theme = 'light' | 'dark';

/** Wall time of a step in the fixture (its default `stepMs`). */
const STEP_MS = 450;
/** Tokens per optimizer step: 4M (a 2k-sequence batch of 2048). */
const TOKENS_PER_STEP = 4_194_304;

/** The row the `milestones` SQL would return for a fixture run: same aliases, same shape. */
function milestonesRow(params: Record<string, QueryParam>, context: FixtureContext): QueryRow {
  const last = context.lastStep;
  if (!context.runs.includes(String(params.run)) || last < 0) return { n: '0', reached_ms: [], reached_step: [] };
  const timeOf = (step: number) => Date.now() - 800 - (last - step) * STEP_MS;
  const valueOf = (step: number) => step * TOKENS_PER_STEP;
  const window = Number(params.window);
  const startStep = window > 0 && last * STEP_MS >= window * 1000 ? last - Math.ceil((window * 1000) / STEP_MS) : 0;
  const firstStep = (target: number) => Math.ceil(target / TOKENS_PER_STEP);
  const targets = params.targets as number[];
  return {
    n: String(last + 1),
    first_ms: String(timeOf(0)),
    last_ms: String(timeOf(last)),
    last_value: valueOf(last),
    last_step: String(last),
    start_ms: String(timeOf(startStep)),
    start_value: valueOf(startStep),
    reached_ms: targets.map((t) => (firstStep(t) <= last ? String(timeOf(firstStep(t))) : '-1')),
    reached_step: targets.map((t) => (firstStep(t) <= last ? String(firstStep(t)) : '-1')),
  };
}

registerFixtureRows('milestones', (params, context) => [milestonesRow(params, context)]);

/** The element's attributes, named as in HTML, plus a spy for its event. */
interface MilestoneBarArgs {
  run: string;
  src: string;
  metric?: string;
  targets?: string;
  'rate-window'?: string;
  unit?: string;
  heading?: string;
  'poll-interval'?: number;
  theme?: Theme;
  onTrainwatchState: (event: CustomEvent<DataStateDetail>) => void;
}

const meta = {
  title: 'Elements/milestone-bar',
  component: 'milestone-bar',
  parameters: {
    docs: {
      description: {
        component: `\`<milestone-bar>\` follows a cumulative metric (\`tokens_total\`) towards milestones such as
\`3B:3e9,8B:8e9,70B:7e10,SFT:8e10\`: how long each reached one took, and for the rest the share done and an ETA at the rate of
the recent window. One equal segment per milestone keeps 3B and 80B both readable. Stories read generated rows from a
\`fixture:\` source (4M tokens per step).`,
      },
    },
  },
  args: {
    run: BASELINE,
    src: fixture(),
    onTrainwatchState: fn(),
  },
  argTypes: {
    run: { control: 'text', description: 'The run id.' },
    src: { control: 'text', description: 'ClickHouse HTTP URL, or `fixture:<scenario>?…` for generated data.' },
    metric: { control: 'text', description: 'A cumulative metric (default `tokens_total`).' },
    targets: { control: 'text', description: 'label:value pairs (default `3B:3e9,8B:8e9,70B:7e10,SFT:8e10`); values as 3e9, 3_000_000_000 or 3B.' },
    'rate-window': { control: 'text', description: 'Span the rate is measured over (default `10m`; `all` for the whole run).' },
    unit: { control: 'text', description: 'Unit for display (default `tok`).' },
    heading: { control: 'text' },
    'poll-interval': { control: { type: 'number', min: 250, step: 250 } },
    theme: { control: 'inline-radio', options: ['light', 'dark'], description: 'Unset: follows the Theme toolbar.' },
  },
  render: (args, context) => renderElement('milestone-bar', args, context, { style: 'max-width: 720px' }),
} satisfies Meta<MilestoneBarArgs>;

export default meta;
type Story = StoryObj<MilestoneBarArgs>;

/** 8.4B tokens in: 3B and 8B reached, 70B under way, SFT after it. */
export const Default: Story = {
  args: { heading: 'Tokens to 3B / 8B / 70B / SFT' },
};

/** Curriculum stages: B1 at 2B tokens, B2 at 6B (item 16). */
export const Stages: Story = {
  args: { targets: 'B1:2B,B2:6B', heading: 'Curriculum stage' },
};

/** A run in progress: 3B is reached about 40 seconds in. */
export const Live: Story = {
  args: { src: fixture('live'), 'poll-interval': 1000, targets: '1B:1e9,3B:3e9,8B:8e9' },
};

/** The rate over the whole run instead of the last ten minutes. */
export const WholeRunRate: Story = {
  args: { 'rate-window': 'all' },
};

/** A run the table does not have. */
export const Empty: Story = {
  args: { run: 'gpt-124m-typo' },
};

/** Before the first answer: the source never replies. */
export const Loading: Story = {
  args: { src: fixture('loading') },
};

/** The server cannot be reached. */
export const Unreachable: Story = {
  name: 'Error',
  args: { src: fixture('error') },
};

/** A targets list the element cannot read: a clear message, no request. */
export const InvalidTargets: Story = {
  args: { targets: '3B:three billion,8B:8e9' },
};

/** The dark theme, on a dark page. */
export const Dark: Story = {
  args: { theme: 'dark' },
};
