import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { fn } from 'storybook/test';
import type { StepChangeDetail } from '../src/elements/moe-heatmap/step-picker.js';
import '../src/elements/moe-heatmap/moe-heatmap.js';
import { mulberry32 } from '../src/internal/random.js';
import type { DataStateDetail } from '../src/internal/trainwatch-element.js';
import { registerFixtureRows, type FixtureContext } from '../src/sources/fixture-source.js';
import type { QueryParam, QueryRow } from '../src/sources/source.js';
import { renderElement } from './manifest.js';
import { BASELINE, fixture } from './fixtures.js';

type Theme = 'light' | 'dark';

/** The trainer logs the MoE routing metrics every this many steps. */
const MOE_EVERY = 50;
const SUBJECTS = ['math', 'code', 'web', 'books', 'multilingual', 'dialogue', 'science'];
const BUCKETS = 8;

const seedOf = (text: string, seed: number) => [...text].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0, seed);

function loggedSteps(context: FixtureContext): number[] {
  const steps: number[] = [];
  for (let step = Math.floor(context.lastStep / MOE_EVERY) * MOE_EVERY; step >= 0; step -= MOE_EVERY) steps.push(step);
  return steps;
}

/**
 * Each subject's routing energy per frequency bucket: a bump around a
 * subject-specific bucket that sharpens as training goes on. Dialogue never
 * logs bucket 7 (a missing cell).
 */
function subjectShares(run: string, subject: string, index: number, step: number, seed: number): Array<[number, number]> {
  const noise = mulberry32(seedOf(`${run}/${subject}/${step}`, seed));
  const centre = (index * 1.3) % BUCKETS;
  const width = 1 + 3 * Math.exp(-step / 800);
  const raw = Array.from({ length: BUCKETS }, (_, b) => Math.exp(-((b - centre) ** 2) / (2 * width * width)) + 0.05 + 0.05 * noise());
  const sum = raw.reduce((a, b) => a + b, 0);
  return raw.map((v, bucket): [number, number] => [bucket, +(v / sum).toFixed(4)]).filter(([bucket]) => !(subject === 'dialogue' && bucket === 7));
}

registerFixtureRows('moe-heatmap-steps', (params, context) =>
  context.runs.includes(String(params.run)) && params.metric === 'moe.subject_bucket_share'
    ? loggedSteps(context)
        .slice(0, Number(params.limit))
        .map((s): QueryRow => ({ logged_step: String(s) }))
    : [],
);

registerFixtureRows('moe-heatmap', (params: Record<string, QueryParam>, context) => {
  const run = String(params.run);
  if (!context.runs.includes(run) || params.metric !== 'moe.subject_bucket_share') return [];
  const step = (params.latest === 1 ? loggedSteps(context) : loggedSteps(context).filter((s) => s <= Number(params.step)))[0];
  if (step === undefined) return [];
  return SUBJECTS.flatMap((subject, i) =>
    subjectShares(run, subject, i, step, context.seed).map(([bucket, v]): QueryRow => ({ at_step: String(step), row_key: subject, column_key: bucket, v })),
  ).sort((a, b) => (a.row_key as string).localeCompare(b.row_key as string) || (a.column_key as number) - (b.column_key as number));
});

/** The element's attributes, named as in HTML, plus spies for its events. */
interface MoeHeatmapArgs {
  run: string;
  src: string;
  metric?: string;
  'row-field'?: string;
  'column-field'?: string;
  normalize?: 'none' | 'row';
  'row-order'?: 'name' | 'total';
  step?: number;
  heading?: string;
  'poll-interval'?: number;
  theme?: Theme;
  onTrainwatchState: (event: CustomEvent<DataStateDetail>) => void;
  onTrainwatchStepChange: (event: CustomEvent<StepChangeDetail>) => void;
}

const meta = {
  title: 'Elements/moe-heatmap',
  component: 'moe-heatmap',
  parameters: {
    docs: {
      description: {
        component: `\`<moe-heatmap>\` draws a share tagged with a row and a column at one logged step: by default the MoE
Fourier routing energy per subject and frequency bucket (\`moe.subject_bucket_share\`, tags \`{"subject", "bucket"}\`).
Higher values are darker (brighter in the dark theme); pairs never logged are hatched grey. The grid is a real \`<table>\`.
Stories read generated rows from a \`fixture:\` source.`,
      },
    },
  },
  args: {
    run: BASELINE,
    src: fixture(),
    onTrainwatchState: fn(),
    onTrainwatchStepChange: fn(),
  },
  argTypes: {
    run: { control: 'text', description: 'Run id.' },
    src: { control: 'text', description: 'ClickHouse HTTP URL, or `fixture:<scenario>` for generated data.' },
    metric: { control: 'text', description: 'Metric name (default `moe.subject_bucket_share`).' },
    'row-field': { control: 'text', description: '`tags_json` field naming the row (default `subject`).' },
    'column-field': { control: 'text', description: '`tags_json` field holding the column number (default `bucket`).' },
    normalize: { control: 'inline-radio', options: ['none', 'row'], description: '`row`: each row sums to 1.' },
    'row-order': { control: 'inline-radio', options: ['name', 'total'], description: 'Rows by name, or largest total first.' },
    step: { control: { type: 'number', min: 0, step: 50 }, description: 'Step to show; unset follows the latest.' },
    heading: { control: 'text' },
    'poll-interval': { control: { type: 'number', min: 250, step: 250 }, description: 'Poll interval in ms (default 2000).' },
    theme: { control: 'inline-radio', options: ['light', 'dark'], description: 'Unset: follows the Theme toolbar.' },
  },
  render: (args, context) => renderElement('moe-heatmap', args, context),
} satisfies Meta<MoeHeatmapArgs>;

export default meta;
type Story = StoryObj<MoeHeatmapArgs>;

/** Seven subjects × eight frequency buckets at the latest logged step (every 50 steps). */
export const Default: Story = {};

/** A run in progress: a new logged step every five seconds; "Latest" follows it. */
export const Live: Story = {
  args: { src: fixture('live'), 'poll-interval': 1000 },
};

/** An early step: routing energy still spread over many buckets. */
export const PickedStep: Story = {
  args: { step: 100 },
};

/** Each row divided by its sum, largest rows first. */
export const RowNormalized: Story = {
  args: { normalize: 'row', 'row-order': 'total' },
};

/** A run without these rows: the element says so. */
export const Empty: Story = {
  args: { run: 'gpt-124m-typo' },
};

/** Before the first answer. */
export const Loading: Story = {
  args: { src: fixture('loading') },
};

/** The server cannot be reached. */
export const Unreachable: Story = {
  name: 'Error',
  args: { src: fixture('error') },
};

/** A `normalize` value the element does not know: a message, not an exception. */
export const InvalidNormalize: Story = {
  args: { normalize: 'column' as 'row' },
};

/** The dark theme: higher values are brighter. */
export const Dark: Story = {
  args: { theme: 'dark' },
};
