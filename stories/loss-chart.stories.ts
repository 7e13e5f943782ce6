import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { fn } from 'storybook/test';
import type { XAxisMode } from '../src/chart/series-data.js';
import type { DataStateDetail } from '../src/elements/loss-chart/loss-chart.component.js';
import '../src/elements/loss-chart/loss-chart.js';
import { renderElement } from './manifest.js';
import { BASELINE, FIXTURE_RUNS, FIXTURE_SCENARIOS, fixture } from './fixtures.js';

type Theme = 'light' | 'dark';

/** The element's attributes, named as in HTML, plus a spy for its event. */
interface LossChartArgs {
  run: string;
  metric: string;
  src: string;
  'x-axis': XAxisMode;
  smoothing: number;
  'log-scale': boolean;
  'poll-interval'?: number;
  heading?: string;
  theme?: Theme;
  user?: string;
  password?: string;
  table?: string;
  onTrainwatchState: (event: CustomEvent<DataStateDetail>) => void;
}

const ALL_METRICS = 'loss,loss_t+1,val_loss';

const meta = {
  title: 'Elements/loss-chart',
  component: 'loss-chart',
  parameters: {
    docs: {
      description: {
        component: `\`<loss-chart>\` draws live loss curves of one or more training runs from ClickHouse, with TensorBoard-style
smoothing (a faint raw line under the smoothed one) and LTTB decimation to the chart's pixel width.
Every story reads generated data from a \`fixture:\` source (\`stories/fixtures.ts\`), so none needs a server;
point \`src\` at a ClickHouse HTTP URL to see real data. Scenarios: ${Object.keys(FIXTURE_SCENARIOS).join(', ')}.`,
      },
    },
  },
  args: {
    run: BASELINE,
    metric: ALL_METRICS,
    src: fixture(),
    'x-axis': 'step',
    smoothing: 0.6,
    'log-scale': false,
    onTrainwatchState: fn(),
  },
  argTypes: {
    run: { control: 'text', description: 'Run id, or several separated by commas.' },
    metric: { control: 'text', description: 'Metric name(s), comma-separated.' },
    src: {
      control: 'text',
      description: `ClickHouse HTTP URL, or \`fixture:<scenario>?steps=…&growth=…\` for generated data (scenarios: ${Object.keys(FIXTURE_SCENARIOS).join(', ')}).`,
    },
    'x-axis': { control: 'inline-radio', options: ['step', 'time', 'relative'], description: 'Step, wall clock, or time since the run began.' },
    smoothing: { control: { type: 'range', min: 0, max: 0.99, step: 0.01 }, description: 'Debiased EMA weight; 0 draws raw points only.' },
    'log-scale': { control: 'boolean', description: 'Logarithmic y axis.' },
    'poll-interval': { control: { type: 'number', min: 250, step: 250 }, description: 'Poll interval in ms (default 2000).' },
    heading: { control: 'text', description: 'Title above the chart (default: the metric names).' },
    theme: { control: 'inline-radio', options: ['light', 'dark'], description: 'Unset: follows the Theme toolbar.' },
    user: { control: 'text', table: { category: 'Connection' } },
    password: { control: 'text', table: { category: 'Connection' } },
    table: { control: 'text', description: 'Database-qualified table.', table: { category: 'Connection' } },
  },
  render: (args, context) => renderElement('loss-chart', args, context),
} satisfies Meta<LossChartArgs>;

export default meta;
type Story = StoryObj<LossChartArgs>;

/** One run's training loss, next-token-ahead loss and validation loss (logged every 50 steps). */
export const Default: Story = {};

/** Before the first answer: the source never replies. */
export const Loading: Story = {
  args: { src: fixture('loading') },
};

/** A run the table does not have: the element says so rather than drawing an empty frame. */
export const Empty: Story = {
  args: { run: 'gpt-124m-typo' },
};

/** A run that exists without the asked metric: the element lists the metrics it does have. */
export const UnknownMetric: Story = {
  args: { metric: 'grad_norm' },
};

/** The server cannot be reached; the store keeps retrying with backoff. */
export const Unreachable: Story = {
  name: 'Error',
  args: { src: fixture('error') },
};

/** Data arrived, then the connection dropped: the curves stay, with a banner above them. */
export const ConnectionLost: Story = {
  args: { src: fixture('connection-lost'), 'poll-interval': 1000 },
};

/** One million steps: the chart draws an LTTB selection of about one point per pixel. */
export const LongRun: Story = {
  args: { src: fixture('long'), metric: 'loss,val_loss', heading: 'loss over 1,000,000 steps' },
};

/** A run in progress: ten steps a second, polled every second. */
export const LiveRun: Story = {
  args: { src: fixture('live'), metric: 'loss,val_loss', 'poll-interval': 1000 },
};

/** Three runs: a colour per run, a dash pattern per metric. */
export const MultipleRuns: Story = {
  args: { run: FIXTURE_RUNS.join(','), metric: 'loss,val_loss' },
};

/** Log y axis: the long flat tail of the curve gets the room the first steps take otherwise. */
export const LogScale: Story = {
  args: { 'log-scale': true },
};

/** Wall-clock x axis: the flat stretch is a preemption, invisible on the step axis. */
export const TimeAxis: Story = {
  args: { 'x-axis': 'time', metric: 'loss,val_loss' },
};

/** Time since each run began: runs on slower hardware stretch to the right. */
export const RelativeTime: Story = {
  args: { run: FIXTURE_RUNS.join(','), metric: 'loss', 'x-axis': 'relative' },
};

/** The dark theme, on a dark page. */
export const Dark: Story = {
  args: { theme: 'dark', run: FIXTURE_RUNS.join(','), metric: 'loss,val_loss' },
};
