import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { fn } from 'storybook/test';
import type { DataStateDetail } from '../src/internal/trainwatch-element.js';
import '../src/elements/big-number/big-number.js';
import { DIVERGED, MODELS, PREEMPTED, registerBigNumberFixture } from './big-number.fixture.js';
import { renderElement } from './manifest.js';
import { BASELINE, FIXTURE_RUNS, fixture } from './fixtures.js';

type Theme = 'light' | 'dark';

registerBigNumberFixture();

/** The element's attributes, named as in HTML, plus a spy for its event. */
interface BigNumberArgs {
  run: string;
  metric: string;
  src: string;
  label?: string;
  unit?: string;
  decimals?: number;
  window?: string;
  aggregate: string;
  thresholds?: string;
  direction: string;
  'stale-after'?: string;
  'poll-interval'?: number;
  theme?: Theme;
  '--trainwatch-big-number-size'?: string;
  onTrainwatchState: (event: CustomEvent<DataStateDetail>) => void;
}

const meta = {
  title: 'Elements/big-number',
  component: 'big-number',
  parameters: {
    docs: {
      description: {
        component: `\`<big-number>\` shows the latest value of a metric in large type, with its unit, a sparkline of the recent
window, the change over it and the data age. \`thresholds\` colour it green / yellow / red (a value exactly at a
threshold counts on the better side); stale data is grey; NaN/Inf are shown as such, in red. \`aggregate\` shows a
count, sum, max or mean over the window instead. Every story reads generated data from a \`fixture:\` source.`,
      },
    },
  },
  args: {
    run: BASELINE,
    metric: 'tokens_per_s',
    src: fixture(),
    aggregate: 'last',
    direction: 'higher-is-better',
    onTrainwatchState: fn(),
  },
  argTypes: {
    run: { control: 'text', description: 'Run id, or several separated by commas (a row per run).' },
    metric: { control: 'select', options: Object.keys(MODELS), description: 'Metric name.' },
    src: { control: 'text', description: 'ClickHouse HTTP URL, or `fixture:<scenario>` for generated data.' },
    label: { control: 'text', description: 'Title (default: the metric name).' },
    unit: { control: 'text', description: "Unit (default: the table's unit column)." },
    decimals: { control: { type: 'number', min: 0, max: 10 }, description: 'Fixed decimals, unscaled.' },
    window: { control: 'text', description: 'Sparkline / change / aggregate window: 15m (default), 1h, all…' },
    aggregate: { control: 'inline-radio', options: ['last', 'count', 'sum', 'max', 'mean'] },
    thresholds: { control: 'text', description: 'One or two numbers, e.g. "70,90".' },
    direction: { control: 'inline-radio', options: ['higher-is-better', 'lower-is-better'] },
    'stale-after': { control: 'text', description: 'Grey out after this long without a point (default 5m).' },
    'poll-interval': { control: { type: 'number', min: 250, step: 250 } },
    theme: { control: 'inline-radio', options: ['light', 'dark'] },
  },
  render: (args, context) => renderElement('big-number', args, context, { style: 'max-width: 320px' }),
} satisfies Meta<BigNumberArgs>;

export default meta;
type Story = StoryObj<BigNumberArgs>;

/** Tokens per second of one run, over the last 15 minutes. */
export const Default: Story = {};

/** A run in progress: the value, sparkline and age move every second. */
export const Live: Story = {
  args: { src: fixture('live'), 'poll-interval': 1000, metric: 'tokens_total', label: 'Tokens processed' },
};

/** Green / yellow / red by thresholds: GPU utilisation below 70 % is red. */
export const Thresholds: Story = {
  args: { metric: 'gpu_util', thresholds: '70,90', label: 'GPU utilisation' },
};

/** Lower is better: the loss is green under 2.5, red above 3. */
export const LowerIsBetter: Story = {
  args: { metric: 'loss', thresholds: '2.5,3', direction: 'lower-is-better', label: 'Training loss' },
};

/** The loss went to NaN: shown as NaN, in red. */
export const Diverged: Story = {
  args: { run: DIVERGED, metric: 'loss', thresholds: '2.5,3', direction: 'lower-is-better' },
};

/** No point for 20 minutes: the value is grey and the age says stale. */
export const Stale: Story = {
  args: { run: PREEMPTED, thresholds: '300000,400000' },
};

/** The curriculum bucket, a small integer. */
export const CurrentBucket: Story = {
  args: { metric: 'data.bucket', label: 'Data bucket', decimals: 0 },
};

/** Checkpoints saved so far: `aggregate="count"` counts every point unless a window is set. */
export const CheckpointCount: Story = {
  args: { metric: 'checkpoint.saved', aggregate: 'count', label: 'Checkpoints', unit: 'ckpt' },
};

/** Several runs: a row each, in the run's colour. */
export const SeveralRuns: Story = {
  args: { run: FIXTURE_RUNS.join(','), thresholds: '300000,400000' },
};

/** A bigger number through the CSS custom property. */
export const Large: Story = {
  args: { '--trainwatch-big-number-size': '48px', metric: 'tokens_total', label: 'Tokens processed' },
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

/** An attribute that makes no sense is explained in the card. */
export const InvalidThresholds: Story = {
  args: { thresholds: 'high,90' },
};

/** The dark theme. */
export const Dark: Story = {
  args: { theme: 'dark', metric: 'gpu_util', thresholds: '70,90', label: 'GPU utilisation' },
};
