import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { html } from 'lit';
import '../src/elements/big-number/big-number.js';
import '../src/elements/loss-chart/loss-chart.js';
import '../src/elements/trainwatch-source/trainwatch-source.js';
import { registerBigNumberFixture } from './big-number.fixture.js';
import { BASELINE, FIXTURE_RUNS, fixture } from './fixtures.js';
import { renderElement } from './manifest.js';

registerBigNumberFixture();

/** The element's attributes, named as in HTML. */
interface TrainwatchSourceArgs {
  url?: string;
  user?: string;
  password?: string;
  token?: string;
  table?: string;
  'poll-interval'?: number;
  'point-budget'?: number;
}

const meta = {
  title: 'Elements/trainwatch-source',
  component: 'trainwatch-source',
  parameters: {
    docs: {
      description: {
        component: `\`<trainwatch-source>\` sets where the trainwatch elements inside it read from, once for a page, a section
or a notebook cell: none of the elements in these stories has a \`src\` of its own. An element's own attributes win
field by field; a source inside another layers over it; what is left unset falls through to \`configure()\`. Change
\`url\` below (to \`fixture:error\`, or a ClickHouse URL) and every element inside follows. It renders nothing itself
(\`display: contents\`).`,
      },
    },
  },
  args: {
    url: fixture('default'),
  },
  argTypes: {
    url: { control: 'text', description: 'ClickHouse HTTP URL, `relay+http(s)://…` for a relay, or `fixture:<scenario>` for generated data.' },
  },
  render: (args, context) => {
    const theme = context.globals.theme === 'dark' ? 'dark' : 'light';
    return renderElement('trainwatch-source', args, context, {
      content: html`<div style="display: grid; grid-template-columns: 2fr 1fr; gap: 12px; align-items: start">
        <loss-chart run=${FIXTURE_RUNS.join(',')} metric="loss,val_loss" theme=${theme}></loss-chart>
        <big-number run=${BASELINE} metric="loss" label="Training loss" direction="lower-is-better" theme=${theme}></big-number>
      </div>`,
    });
  },
} satisfies Meta<TrainwatchSourceArgs>;

export default meta;
type Story = StoryObj<TrainwatchSourceArgs>;

/** Two elements, one source: one store, one poll loop. */
export const Default: Story = {};

/** A live run polled every second, set once on the source. */
export const LivePolling: Story = {
  args: { url: fixture('live'), 'poll-interval': 1000 },
};

/** The source cannot be reached: every element inside says so. */
export const Unreachable: Story = {
  args: { url: fixture('error') },
};
