import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { fn } from 'storybook/test';
import type { StepChangeDetail } from '../src/elements/moe-heatmap/step-picker.js';
import '../src/elements/moe-tokens/moe-tokens.js';
import { mulberry32 } from '../src/internal/random.js';
import type { DataStateDetail } from '../src/internal/trainwatch-element.js';
import { registerFixtureRows, type FixtureContext } from '../src/sources/fixture-source.js';
import type { QueryParam, QueryRow } from '../src/sources/source.js';
import { renderElement } from './manifest.js';
import { BASELINE, fixture } from './fixtures.js';

type Theme = 'light' | 'dark';

/** The trainer logs the MoE routing metrics every this many steps. */
const MOE_EVERY = 50;
const EXPERTS = 8;
const TOKENS_LOGGED = 12;
/** A code-and-prose vocabulary, whitespace and markup included: tokens are data, shown as text. */
const VOCAB = [' the', ',', '.', '\n', ' ', ' of', ' and', ' to', ' a', ' in', 'def', '(', ')', ':', ' =', '    ', '{', '}', ' return', '<div>', '</', '\t', ' is', '0', '1', ' self', '"', ' for', '<|endoftext|>', ' import'];

const seedOf = (text: string, seed: number) => [...text].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0, seed);

/** Logged steps up to now, newest first. */
function loggedSteps(context: FixtureContext): number[] {
  const steps: number[] = [];
  for (let step = Math.floor(context.lastStep / MOE_EVERY) * MOE_EVERY; step >= 0; step -= MOE_EVERY) steps.push(step);
  return steps;
}

/** The step the SQL would pick (latest, or the newest at or before the asked one) and the one before it. */
function pickedSteps(params: Record<string, QueryParam>, context: FixtureContext): number[] {
  const steps = loggedSteps(context);
  return (params.latest === 1 ? steps : steps.filter((s) => s <= Number(params.step))).slice(0, 2);
}

/**
 * An expert's logged top tokens at a step: each expert prefers a few tokens
 * (its specialty) and its preferences drift slowly as training goes on.
 */
function expertTokens(run: string, expert: number, step: number, seed: number): Array<[string, number]> {
  const base = mulberry32(seedOf(`${run}/${expert}`, seed));
  const preference = VOCAB.map(() => base() ** 4);
  const noise = mulberry32(seedOf(`${run}/${expert}/${step}`, seed));
  const weights = VOCAB.map((token, i) => [token, preference[i] * (1 + 0.6 * Math.sin(step / 400 + i + expert)) + 0.02 * noise()] as [string, number]);
  const total = weights.reduce((a, [, w]) => a + w, 0);
  return weights
    .map(([token, w]): [string, number] => [token, +(w / total).toFixed(4)])
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOKENS_LOGGED);
}

registerFixtureRows('moe-steps', (params, context) =>
  context.runs.includes(String(params.run)) && params.metric === 'moe.expert_token_share'
    ? loggedSteps(context)
        .slice(0, Number(params.limit))
        .map((s): QueryRow => ({ logged_step: String(s) }))
    : [],
);

registerFixtureRows('moe-tokens', (params, context) => {
  const run = String(params.run);
  if (!context.runs.includes(run) || params.metric !== 'moe.expert_token_share') return [];
  return pickedSteps(params, context).flatMap((step) =>
    Array.from({ length: EXPERTS }, (_, expert) =>
      expertTokens(run, expert, step, context.seed)
        .slice(0, Number(params.top))
        .map(([token, share]): QueryRow => ({ at_step: String(step), expert: String(expert), token, share })),
    ).flat(),
  );
});

/** The element's attributes, named as in HTML, plus spies for its events. */
interface MoeTokensArgs {
  run: string;
  src: string;
  metric?: string;
  'expert-field'?: string;
  'token-field'?: string;
  top?: number;
  step?: number;
  heading?: string;
  'poll-interval'?: number;
  theme?: Theme;
  onTrainwatchState: (event: CustomEvent<DataStateDetail>) => void;
  onTrainwatchStepChange: (event: CustomEvent<StepChangeDetail>) => void;
}

const meta = {
  title: 'Elements/moe-tokens',
  component: 'moe-tokens',
  parameters: {
    docs: {
      description: {
        component: `\`<moe-tokens>\` shows each MoE expert's favourite tokens (\`moe.expert_token_share\`, tags \`{"expert", "token"}\`)
at the latest logged step or a picked one. Tokens in several experts' top lists share a colour across panels, and the
"Shared" legend maps each to its experts; ▲ marks a token new in an expert's top list since the previous logged step.
Whitespace is drawn visibly (␣ space, ⏎ newline, ⇥ tab). Stories read generated rows from a \`fixture:\` source.`,
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
    metric: { control: 'text', description: 'Metric name (default `moe.expert_token_share`).' },
    'expert-field': { control: 'text', description: '`tags_json` field of the expert (default `expert`).' },
    'token-field': { control: 'text', description: '`tags_json` field of the token (default `token`).' },
    top: { control: { type: 'number', min: 1, max: 100 }, description: 'Tokens per expert (default 5).' },
    step: { control: { type: 'number', min: 0, step: 50 }, description: 'Step to show; unset follows the latest.' },
    heading: { control: 'text' },
    'poll-interval': { control: { type: 'number', min: 250, step: 250 }, description: 'Poll interval in ms (default 2000).' },
    theme: { control: 'inline-radio', options: ['light', 'dark'], description: 'Unset: follows the Theme toolbar.' },
  },
  render: (args, context) => renderElement('moe-tokens', args, context),
} satisfies Meta<MoeTokensArgs>;

export default meta;
type Story = StoryObj<MoeTokensArgs>;

/** Eight experts' top five tokens at the latest logged step (every 50 steps). */
export const Default: Story = {};

/** A run in progress: a new logged step every five seconds; "Latest" follows it. */
export const Live: Story = {
  args: { src: fixture('live'), 'poll-interval': 1000 },
};

/** A step picked from the logged ones (the step picker sets the `step` attribute). */
export const PickedStep: Story = {
  args: { step: 600 },
};

/** Ten tokens per expert: more of each expert's vocabulary, and more tokens shared. */
export const TopTen: Story = {
  args: { top: 10 },
};

/** A run without MoE rows: the element says so. */
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

/** An attribute out of range is a message in the card, not an exception. */
export const InvalidTop: Story = {
  args: { top: 0 },
};

/** The dark theme. */
export const Dark: Story = {
  args: { theme: 'dark' },
};
