import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { fn } from 'storybook/test';
import type { CheckpointSelectDetail } from '../src/elements/checkpoint-table/checkpoint-table.component.js';
import '../src/elements/checkpoint-table/checkpoint-table.js';
import { mulberry32 } from '../src/internal/random.js';
import type { DataStateDetail } from '../src/internal/trainwatch-element.js';
import { registerFixtureRows, type FixtureContext } from '../src/sources/fixture-source.js';
import type { QueryParam, QueryRow } from '../src/sources/source.js';
import { renderElement } from './manifest.js';
import { BASELINE, FIXTURE_RUNS, fixture } from './fixtures.js';

type Theme = 'light' | 'dark';

/** Wall time of a step in the fixture (its default `stepMs`). */
const STEP_MS = 450;
const CKPT_EVERY = 100;
const BENCHMARKS: Record<string, (step: number, noise: number) => number> = {
  mmlu: (s, n) => 0.25 + 0.2 * (1 - Math.exp(-s / 900)) + 0.01 * n,
  hellaswag: (s, n) => 0.3 + 0.25 * (1 - Math.exp(-s / 700)) + 0.008 * n,
  arc_challenge: (s, n) => 0.22 + 0.12 * (1 - Math.exp(-s / 1200)) + 0.012 * n,
  wikitext_ppl: (s, n) => 18 + 60 * Math.exp(-s / 500) + 0.4 * n,
};

/** The rows the `checkpoints` SQL would return for a fixture run: same aliases, same shape. */
function checkpointRows(run: string, params: Record<string, QueryParam>, context: FixtureContext): QueryRow[] {
  const seed = [...run].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, context.seed);
  const draw = mulberry32(seed);
  const withEvals = params.evalPattern === 'checkpoint.eval.%';
  const rows: QueryRow[] = [];
  for (let step = CKPT_EVERY; step <= context.lastStep; step += CKPT_EVERY) {
    const index = step / CKPT_EVERY;
    const hosted = index % 4 === 0;
    const scores: Record<string, number> = {};
    // The newest checkpoint has not been evaluated yet.
    if (withEvals && step + CKPT_EVERY <= context.lastStep) {
      for (const [name, curve] of Object.entries(BENCHMARKS)) scores[`checkpoint.eval.${name}`] = +curve(step, draw() * 2 - 1).toFixed(4);
    }
    rows.push({
      run,
      ckpt_step: String(step),
      saved_n: '1',
      hosted_n: hosted ? '1' : '0',
      at_ms: String(Date.now() - (context.lastStep - step) * STEP_MS - 2000),
      size_b: 497_025_024 * 2 + Math.round(draw() * 4096),
      path: `s3://ml-ckpts/${run}/step-${String(step).padStart(6, '0')}`,
      save_s: +(36 + draw() * 12).toFixed(1),
      url: hosted ? (index % 8 === 0 ? `https://huggingface.co/acme/${run}/tree/step-${step}` : `s3://ml-public/${run}/step-${step}`) : '',
      place: hosted ? (index % 8 === 0 ? 'hf-hub' : 's3-public') : '',
      scores,
    });
  }
  const listed = params.hostedOnly ? rows.filter((r) => r.hosted_n === '1') : rows;
  const saves = listed.map((r) => r.save_s as number);
  const times = listed.map((r) => Number(r.at_ms));
  const stats = {
    run_saved: String(listed.length),
    run_hosted: String(listed.filter((r) => r.hosted_n === '1').length),
    run_bytes: listed.reduce((a, r) => a + (r.size_b as number), 0),
    run_first_ms: String(Math.min(...times)),
    run_last_ms: String(Math.max(...times)),
    run_mean_save_s: saves.reduce((a, b) => a + b, 0) / saves.length,
  };
  return listed.map((r) => ({ ...r, ...stats }));
}

registerFixtureRows('checkpoints', (params, context) =>
  (params.runs as string[])
    .filter((run) => context.runs.includes(run))
    .flatMap((run) => checkpointRows(run, params, context))
    .sort((a, b) => Number(b.at_ms) - Number(a.at_ms))
    .slice(0, Number(params.limit)),
);

/** The element's attributes, named as in HTML, plus spies for its events. */
interface CheckpointTableArgs {
  run: string;
  src: string;
  metric?: string;
  'eval-metric'?: string;
  'hosted-metric'?: string;
  'hosted-only': boolean;
  limit?: number;
  'lower-better'?: string;
  heading?: string;
  'poll-interval'?: number;
  theme?: Theme;
  onTrainwatchCheckpointSelect: (event: CustomEvent<CheckpointSelectDetail>) => void;
  onTrainwatchState: (event: CustomEvent<DataStateDetail>) => void;
}

const meta = {
  title: 'Elements/checkpoint-table',
  component: 'checkpoint-table',
  parameters: {
    docs: {
      description: {
        component: `\`<checkpoint-table>\` lists a run's checkpoints (\`checkpoint.saved\`: size, save duration, path), where they are
hosted (\`checkpoint.hosted\`) and their benchmark scores (\`checkpoint.eval.*\`, one column each, the best emphasised), with a
summary line of checkpoint statistics. Headers sort; a row fires \`trainwatch-checkpoint-select\`. Stories read generated rows
from a \`fixture:\` source.`,
      },
    },
  },
  args: {
    run: BASELINE,
    src: fixture('default', { steps: 1250 }),
    'hosted-only': false,
    'lower-better': 'wikitext_ppl',
    onTrainwatchCheckpointSelect: fn(),
    onTrainwatchState: fn(),
  },
  argTypes: {
    run: { control: 'text', description: 'Run id, or several separated by commas (adds a run column).' },
    src: { control: 'text', description: 'ClickHouse HTTP URL, or `fixture:<scenario>?…` for generated data.' },
    metric: { control: 'text', description: 'Metric of a saved checkpoint (default `checkpoint.saved`).' },
    'eval-metric': { control: 'text', description: 'Pattern of benchmark scores (default `checkpoint.eval.*`).' },
    'hosted-metric': { control: 'text', description: 'Metric of a hosted checkpoint (default `checkpoint.hosted`).' },
    'hosted-only': { control: 'boolean', description: 'List only hosted checkpoints.' },
    limit: { control: { type: 'number', min: 1, max: 10000 }, description: 'Most rows listed (default 100); the summary counts all.' },
    'lower-better': { control: 'text', description: 'Benchmarks where lower is better (comma-separated).' },
    heading: { control: 'text' },
    'poll-interval': { control: { type: 'number', min: 250, step: 250 } },
    theme: { control: 'inline-radio', options: ['light', 'dark'], description: 'Unset: follows the Theme toolbar.' },
  },
  render: (args, context) => renderElement('checkpoint-table', args, context),
} satisfies Meta<CheckpointTableArgs>;

export default meta;
type Story = StoryObj<CheckpointTableArgs>;

/** Twelve checkpoints, every 100 steps, scored on four benchmarks; every fourth is hosted. */
export const Default: Story = {};

/** A run in progress: a new checkpoint every 100 steps (ten seconds), polled every second. */
export const Live: Story = {
  args: { src: fixture('live'), 'poll-interval': 1000 },
};

/** Only the hosted checkpoints: the hosted list. Links are made for http(s) URLs only. */
export const HostedOnly: Story = {
  args: { 'hosted-only': true },
};

/** Several runs: a run column in each run's colour, and a summary line per run. */
export const MultipleRuns: Story = {
  args: { run: FIXTURE_RUNS.join(','), limit: 15 },
};

/** No benchmark matches the pattern: the table keeps its fixed columns. */
export const WithoutBenchmarks: Story = {
  args: { 'eval-metric': 'eval.none.*' },
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

/** An attribute the element cannot use: a clear message, no request. */
export const InvalidLimit: Story = {
  args: { limit: 0 },
};

/** The dark theme, on a dark page. */
export const Dark: Story = {
  args: { theme: 'dark', run: FIXTURE_RUNS.slice(0, 2).join(',') },
};
