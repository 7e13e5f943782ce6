import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { fn } from 'storybook/test';
import type { DataStateDetail } from '../src/internal/trainwatch-element.js';
import '../src/elements/sample-viewer/sample-viewer.js';
import { registerFixtureRows } from '../src/sources/fixture-source.js';
import type { QueryRow } from '../src/sources/source.js';
import { renderElement } from './manifest.js';
import { BASELINE, fixture } from './fixtures.js';

type Theme = 'light' | 'dark';

/** A run whose trainer writes some broken tags_json and markup (for the messy-data story). */
const MESSY = 'gpt-124m-messy';
/** Samples are written every this many steps, this many at a time. */
const EVERY = 200;
const PER_STEP = 4;

const PROMPTS = [
  'Translate to French: "The weather is lovely today."',
  'Write a haiku about gradient descent.',
  'What is 17 × 23? Show your work.',
  'Summarise the plot of Hamlet in two sentences.',
];
const COMPLETIONS = [
  "Il fait beau aujourd'hui.",
  'Down the loss we slide,\nsteps shrinking as minima near —\nthe valley is flat.',
  '17 × 23 = 17 × 20 + 17 × 3\n        = 340 + 51\n        = 391',
  Array.from({ length: 30 }, (_, i) => `${i + 1}. Prince Hamlet ${['broods', 'plots', 'hesitates', 'acts'][i % 4]} while Denmark ${['rots', 'watches', 'waits'][i % 3]}.`).join('\n'),
];

/** A number in [0, 1) from a step and an index, the same on every render. */
const noise = (step: number, i: number) => Math.abs(Math.sin(step * 12.9898 + i * 78.233) * 43758.5453) % 1;

registerFixtureRows('sample-steps', (params, context) => {
  if (!context.runs.includes(String(params.run)) && params.run !== MESSY) return [];
  const rows: QueryRow[] = [];
  for (let step = Math.floor(context.lastStep / EVERY) * EVERY; step >= 0 && rows.length < 500; step -= EVERY) rows.push({ step: String(step), n: String(PER_STEP) });
  return rows;
});

registerFixtureRows('samples', (params) => {
  const step = Number(params.step);
  if (step % EVERY !== 0) return [];
  const messy = params.run === MESSY;
  return Array.from({ length: Math.min(PER_STEP, Number(params.limit)) }, (_, i): QueryRow => {
    // Quality improves with training: rewards drift up with the step.
    const reward = +Math.min(0.99, 0.2 + step / 5000 + 0.3 * noise(step, i)).toFixed(3);
    const completion = COMPLETIONS[i % COMPLETIONS.length];
    if (messy && i === 1) return { value: reward, value_text: String(reward), well_formed: 0, raw: '{"prompt": "Write a haiku', prompt: '', completion: '', scores: [] };
    return {
      value: reward,
      value_text: String(reward),
      well_formed: 1,
      raw: '',
      prompt: messy && i === 0 ? 'Render this: <img src=x onerror=alert(1)> <script>alert(1)</script>' : PROMPTS[i % PROMPTS.length],
      completion,
      scores: [
        ['reward', String(reward)],
        ['length', String(completion.length)],
        ['judge', JSON.stringify(reward > 0.6 ? 'pass' : 'fail')],
      ],
    };
  });
});

interface SampleViewerArgs {
  run: string;
  metric: string;
  src: string;
  'prompt-field'?: string;
  'completion-field'?: string;
  'scores-field'?: string;
  limit?: number;
  step?: number;
  'poll-interval'?: number;
  theme?: Theme;
  onTrainwatchState: (event: CustomEvent<DataStateDetail>) => void;
}

const meta = {
  title: 'Elements/sample-viewer',
  component: 'sample-viewer',
  parameters: {
    docs: {
      description: {
        component: `\`<sample-viewer>\` browses the generated samples of a run step by step: the prompt, the completion
(long ones collapsed), the main score and each named score. It follows the newest step live until you pick one;
"Latest" follows again. Everything from \`tags_json\` is shown as text. Every story reads generated rows from a
\`fixture:\` source.`,
      },
    },
  },
  args: {
    run: BASELINE,
    metric: 'sample',
    src: fixture(),
    onTrainwatchState: fn(),
  },
  argTypes: {
    run: { control: 'text', description: 'Run id.' },
    metric: { control: 'text', description: 'Metric of the sample rows (default `sample`).' },
    src: { control: 'text', description: 'ClickHouse HTTP URL, or `fixture:<scenario>` for generated data.' },
    'prompt-field': { control: 'text', description: 'tags_json field of the prompt.' },
    'completion-field': { control: 'text', description: 'tags_json field of the completion.' },
    'scores-field': { control: 'text', description: 'tags_json field of the scores object.' },
    limit: { control: { type: 'number', min: 1, max: 1000 }, description: 'Samples per step (default 20).' },
    step: { control: 'number', description: 'Pinned step; unset follows the newest.' },
    'poll-interval': { control: { type: 'number', min: 250, step: 250 } },
    theme: { control: 'inline-radio', options: ['light', 'dark'] },
  },
  render: (args, context) => renderElement('sample-viewer', args, context, { style: 'max-width: 720px' }),
} satisfies Meta<SampleViewerArgs>;

export default meta;
type Story = StoryObj<SampleViewerArgs>;

/** The newest step's samples, followed live. */
export const Default: Story = {};

/** A run in progress: a new step of samples every 20 seconds, shown as it arrives. */
export const Live: Story = {
  args: { src: fixture('live', { steps: 1000 }), 'poll-interval': 1000 },
};

/** A step picked by attribute: new steps are listed but not shown until "Latest". */
export const PinnedStep: Story = {
  args: { step: 1000 },
};

/** Two samples per step. */
export const Limited: Story = {
  args: { limit: 2 },
};

/** Broken tags_json and markup in a prompt: shown as text, the list intact. */
export const MessyData: Story = {
  args: { run: MESSY },
};

/** A run without samples. */
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

/** The dark theme. */
export const Dark: Story = {
  args: { theme: 'dark' },
};
