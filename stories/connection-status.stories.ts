import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { html } from 'lit';
import '../src/elements/big-number/big-number.js';
import '../src/elements/connection-status/connection-status.js';
import { registerBigNumberFixture } from './big-number.fixture.js';
import { BASELINE, fixture } from './fixtures.js';
import { renderElement } from './manifest.js';

registerBigNumberFixture();

/** The element's attributes, named as in HTML, plus the source of the element it watches. */
interface ConnectionStatusArgs {
  compact?: boolean;
  theme?: 'light' | 'dark';
  /** Not an attribute: where the `<big-number>` next to it reads from, to give the light something to watch. */
  watched: string;
}

const meta = {
  title: 'Elements/connection-status',
  component: 'connection-status',
  parameters: {
    docs: {
      description: {
        component: `\`<connection-status>\` watches every store on the page, not a source of its own: green while polls
succeed, yellow while one is retrying or overdue, red after three failures in a row (with the store's message), grey
while nothing on the page reads data. Each story puts a \`<big-number>\` next to it reading from the \`watched\`
fixture source, so the light has something to report on. On one page every light reports on every source, so this
page shows the live story only: the yellow and red ones (Connecting, Unreachable) are in the sidebar.`,
      },
    },
  },
  args: {
    watched: fixture('live', { runs: BASELINE }),
  },
  argTypes: {
    watched: {
      control: 'text',
      description: 'Where the `<big-number>` beside it reads from: `fixture:live`, `fixture:loading`, `fixture:error`, `fixture:connection-lost`…',
      table: { category: 'story' },
    },
  },
  render: (args, context) => {
    const theme = args.theme ?? (context.globals.theme === 'dark' ? 'dark' : 'light');
    return html`<div style="display: grid; gap: 12px; justify-items: start; max-width: 360px">
      ${renderElement('connection-status', args, context)}
      <big-number style="width: 100%" src=${args.watched} run=${BASELINE} metric="loss" label="Training loss" direction="lower-is-better" theme=${theme} poll-interval="1000"></big-number>
    </div>`;
  },
} satisfies Meta<ConnectionStatusArgs>;

export default meta;
type Story = StoryObj<ConnectionStatusArgs>;

/** Polls succeed: green, with the age of the last answer. */
export const Live: Story = {};

/** The first answer has not come yet: yellow, "Connecting…". */
export const Connecting: Story = {
  tags: ['!autodocs'],
  args: { watched: fixture('loading') },
};

/** The server cannot be reached: yellow while retrying, red after three failures, with the reason. */
export const Unreachable: Story = {
  tags: ['!autodocs'],
  args: { watched: fixture('error', { runs: BASELINE }) },
};

/** Only the light; the sentence is its tooltip (and is read out to screen readers). */
export const Compact: Story = {
  tags: ['!autodocs'],
  args: { compact: true },
};

/** The dark theme, on a dark page. */
export const Dark: Story = {
  tags: ['!autodocs'],
  args: { theme: 'dark' },
};
