/**
 * axe on every story: each story of every stories/*.stories.ts file is composed
 * as Storybook composes it (meta.args + story.args, the story's or meta's
 * render, story and meta decorators inside the page painting of
 * .storybook/preview.ts), rendered for the light and the dark theme toolbar,
 * left to settle, and checked by axe-core against the WCAG 2.0/2.1 A and AA
 * rules, shadow roots included. Any violation fails the test with its rule,
 * target and summary.
 *
 * The files come from stories-list.ts, which test/node/stories-list.test.ts
 * holds against the stories directory. preview.ts itself is not loaded: it
 * brings Storybook's docs runtime (React), which does not run outside
 * Storybook; what a story needs from it is restated below and checked against it.
 */
import { expect } from '@open-wc/testing';
import type { NodeResult, Result, RunOptions } from 'axe-core';
import 'axe-core/axe.min.js';
import { LitElement, nothing, render } from 'lit';
import { TrainwatchElement } from '../../src/internal/trainwatch-element.js';
import { fixtureOptionsFromUrl } from '../../src/sources/fixture-source.js';
import { storeFor, type SourceConfig } from '../../src/store/registry.js';
import manifest from './custom-elements-manifest.js';
import { setCustomElementsManifest } from './storybook-shims.js';
import { STORY_FILES } from './stories-list.js';

declare global {
  interface Window {
    axe: typeof import('axe-core');
  }
}

// Before the stories load: Storybook's runtime modules, which the dev server cannot link,
// are mapped to stand-ins next to this file.
const importMap = document.createElement('script');
importMap.type = 'importmap';
const shims = new URL('./storybook-shims.ts', import.meta.url).pathname;
importMap.textContent = JSON.stringify({
  imports: {
    '/node_modules/storybook/dist/test/index.js': shims,
    '/node_modules/@storybook/web-components-vite/dist/index.js': shims,
  },
});
document.head.append(importMap);

// What preview.ts does on load: stories read attributes and events from the manifest.
setCustomElementsManifest(manifest);

type Theme = 'light' | 'dark';
type Args = Record<string, unknown>;
interface Context {
  id: string;
  name: string;
  title: string;
  args: Args;
  initialArgs: Args;
  globals: Record<string, unknown>;
  parameters: Record<string, unknown>;
  argTypes: Record<string, unknown>;
  loaded: Record<string, unknown>;
  viewMode: 'story';
}
type RenderFn = (args: Args, context: Context) => unknown;
type Decorator = (story: (update?: { args?: Args }) => unknown, context: Context) => unknown;
type Loader = (context: Context) => Promise<Record<string, unknown> | void> | Record<string, unknown> | void;
type BeforeEach = (context: Context) => Promise<(() => unknown) | void> | (() => unknown) | void;

/** .storybook/preview.ts's page colours behind the card (a test below holds them to it). */
const PAGE: Record<Theme, { background: string; color: string }> = {
  light: { background: '#f6f8fa', color: '#1f2328' },
  dark: { background: '#010409', color: '#e6edf3' },
};

/** preview.ts's `withThemedPage`: the page in the story's theme, the `theme` arg over the toolbar's. */
const withThemedPage: Decorator = (story, context) => {
  const theme: Theme = context.args.theme === 'dark' || (context.args.theme !== 'light' && context.globals.theme === 'dark') ? 'dark' : 'light';
  const { style } = document.body;
  style.background = PAGE[theme].background;
  style.color = PAGE[theme].color;
  document.documentElement.style.colorScheme = theme;
  return story();
};

/** The parts of a CSF meta or story object this test honours. */
interface Annotations {
  title?: string;
  name?: string;
  args?: Args;
  globals?: Record<string, unknown>;
  parameters?: Record<string, unknown>;
  argTypes?: Record<string, { mapping?: Record<string, unknown> } | undefined>;
  render?: RenderFn;
  decorators?: Decorator | Decorator[];
  loaders?: Loader | Loader[];
  beforeEach?: BeforeEach | BeforeEach[];
  includeStories?: string[] | RegExp;
  excludeStories?: string[] | RegExp;
}

interface Story {
  exportName: string;
  name: string;
  annotations: Annotations;
}

const list = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Storybook's name for an export: `UnknownMetric` → "Unknown Metric". */
const storyName = (exportName: string) =>
  exportName
    .replace(/[_-]+/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/^\w/, (c) => c.toUpperCase())
    .trim();

const matches = (key: string, filter: string[] | RegExp) => (Array.isArray(filter) ? filter.includes(key) : filter.test(key));

/** Every story of a CSF module: each named export but the excluded ones, objects and CSF2 render functions alike. */
function storiesOf(module: Record<string, unknown>, meta: Annotations): Story[] {
  return Object.keys(module)
    .filter((key) => key !== 'default' && key !== '__namedExportsOrder' && key !== '__esModule')
    .filter((key) => (!meta.includeStories || matches(key, meta.includeStories)) && (!meta.excludeStories || !matches(key, meta.excludeStories)))
    .map((exportName) => {
      const value = module[exportName];
      const annotations: Annotations = typeof value === 'function' ? { ...(value as Annotations), render: value as RenderFn } : ((value ?? {}) as Annotations);
      return { exportName, name: annotations.name ?? storyName(exportName), annotations };
    });
}

/** Renders a story into `root` as Storybook would; returns the cleanups of its `beforeEach` hooks. */
async function renderStory(meta: Annotations, story: Story, theme: Theme, root: HTMLElement): Promise<Array<() => unknown>> {
  const { annotations } = story;
  const renderFn = annotations.render ?? meta.render;
  if (!renderFn) throw new Error(`${meta.title} / ${story.name}: neither the story nor its meta has a render function`);
  const argTypes: Record<string, { mapping?: Record<string, unknown> } | undefined> = { ...meta.argTypes, ...annotations.argTypes };
  // As Storybook does: an arg whose argType has a `mapping` is rendered with the mapped value.
  const args = Object.fromEntries(
    Object.entries({ ...meta.args, ...annotations.args }).map(([key, value]) => {
      const mapping = argTypes[key]?.mapping;
      return [key, mapping && typeof value === 'string' && value in mapping ? mapping[value] : value];
    }),
  );
  const context: Context = {
    id: `${meta.title}--${story.exportName}`,
    name: story.name,
    title: meta.title ?? '',
    args,
    initialArgs: { ...args },
    globals: { theme, ...meta.globals, ...annotations.globals },
    parameters: { ...meta.parameters, ...annotations.parameters },
    argTypes,
    loaded: {},
    viewMode: 'story',
  };
  const cleanups: Array<() => unknown> = [];
  for (const hook of [...list(meta.beforeEach), ...list(annotations.beforeEach)]) {
    const cleanup = await hook(context);
    if (typeof cleanup === 'function') cleanups.push(cleanup);
  }
  for (const loader of [...list(meta.loaders), ...list(annotations.loaders)]) Object.assign(context.loaded, await loader(context));
  // Innermost first: the story's decorators, then the meta's, then the preview's.
  const decorators = [...list(annotations.decorators), ...list(meta.decorators), withThemedPage];
  const storyFn = decorators.reduce<(ctx: Context) => unknown>(
    (inner, decorator) => (ctx) => decorator((update) => inner(update?.args ? { ...ctx, args: { ...ctx.args, ...update.args } } : ctx), ctx),
    (ctx) => renderFn(ctx.args, ctx),
  );
  render(storyFn(context), root);
  return cleanups;
}

/** Every element under `root`, shadow roots included. */
function deepElements(root: Element | ShadowRoot): Element[] {
  const found: Element[] = [];
  for (const element of root.querySelectorAll('*')) {
    found.push(element);
    if (element.shadowRoot) found.push(...deepElements(element.shadowRoot));
  }
  return found;
}

/** What a trainwatch element must show before axe looks, and how to tell it does. */
interface Expectation {
  what: string;
  met: (element: TrainwatchElement) => boolean;
}

/**
 * A fixture source that never answers leaves its element loading for good; one
 * that drops the connection after a while is checked once a poll has failed
 * (the element keeps its data under a banner); any other source takes the
 * element from loading to ready, empty or error.
 */
function expectationFor(element: TrainwatchElement): Expectation {
  const config = (element as unknown as { sourceConfig(): SourceConfig }).sourceConfig();
  const settled: Expectation = { what: 'ready, empty or error', met: (e) => e.state !== 'loading' };
  if (!config.url.startsWith('fixture:')) return settled;
  let options;
  try {
    options = fixtureOptionsFromUrl(config.url);
  } catch {
    return settled; // A malformed fixture URL is the element's error to show.
  }
  if (options.mode === 'loading') return { what: 'loading (its source never answers)', met: () => true };
  if (options.failAfter !== undefined && Number.isFinite(options.failAfter)) {
    // Out of loading, the element holds its store, so storeFor finds that one rather than making another.
    return { what: `a failed poll after the connection drops at ${options.failAfter} s`, met: (e) => e.state !== 'loading' && storeFor(config).health.failures > 0 };
  }
  return settled;
}

const nextFrame = () => new Promise((resolve) => requestAnimationFrame(resolve));

/** Waits until every Lit element under `root` has rendered and every trainwatch element is in its settled state. */
async function settle(root: HTMLElement, timeout: number): Promise<void> {
  const undefinedTags = [...new Set(deepElements(root).filter((e) => e.localName.includes('-') && !customElements.get(e.localName)).map((e) => `<${e.localName}>`))];
  if (undefinedTags.length) throw new Error(`${undefinedTags.join(', ')} not defined: the stories file does not import the element`);
  const started = performance.now();
  for (;;) {
    const elements = deepElements(root).filter((e): e is LitElement => e instanceof LitElement);
    await Promise.all(elements.map((e) => e.updateComplete));
    const waiting = elements.filter((e) => !e.hasUpdated || (e instanceof TrainwatchElement && !expectationFor(e).met(e)));
    if (waiting.length === 0) break;
    if (performance.now() - started > timeout) {
      const what = waiting.map((e) =>
        e instanceof TrainwatchElement
          ? `<${e.localName}> in state "${e.state}" (${e.stateMessage || 'no message'}), waiting for ${expectationFor(e).what}`
          : `<${e.localName}> waiting for its first render`,
      );
      throw new Error(`Timed out after ${timeout} ms waiting for the story to settle: ${what.join('; ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  // Charts draw and resize in animation frames; let them, then let Lit catch up.
  await nextFrame();
  await nextFrame();
  await Promise.all(deepElements(root).filter((e): e is LitElement => e instanceof LitElement).map((e) => e.updateComplete));
}

const WCAG_21_A_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const AXE_OPTIONS: RunOptions = { runOnly: { type: 'tag', values: WCAG_21_A_AA }, resultTypes: ['violations'] };

/** `[['loss-chart', '.meta']]` → "loss-chart ⟫ .meta": axe names nodes in shadow roots by their path of hosts. */
const targetText = (node: NodeResult) => node.target.map((part) => (Array.isArray(part) ? part.join(' ⟫ ') : String(part))).join(', ');

function report(violations: Result[]): string {
  return violations
    .map((v) =>
      [`${v.id} (${v.impact ?? 'no impact'}): ${v.help} — ${v.helpUrl}`, ...v.nodes.map((n) => `  at ${targetText(n)}\n    ${(n.failureSummary ?? '').replace(/\n/g, '\n    ')}`)].join('\n'),
    )
    .join('\n');
}

/** Loads each stories file; one that fails to load becomes a failing test instead of silently shrinking the suite. */
const loaded = await Promise.all(
  STORY_FILES.map(async (file) => {
    try {
      return { file, module: (await import(`../../stories/${file}`)) as Record<string, unknown> };
    } catch (error) {
      return { file, error: error instanceof Error ? error : new Error(String(error)) };
    }
  }),
);

describe('axe on every story', () => {
  let root: HTMLElement | undefined;
  let cleanups: Array<() => unknown> = [];

  it('paints the page with the colours of .storybook/preview.ts', async () => {
    const source = await (await fetch(new URL('../../.storybook/preview.ts', import.meta.url))).text();
    for (const theme of ['light', 'dark'] as const) {
      const entry = new RegExp(`${theme}:\\s*\\{\\s*background:\\s*["']([^"']+)["'],\\s*color:\\s*["']([^"']+)["']`).exec(source);
      expect(entry, `no ${theme} page colours found in .storybook/preview.ts`).to.not.equal(null);
      expect({ background: entry![1], color: entry![2] }, `${theme} page colours`).to.deep.equal(PAGE[theme]);
    }
  });

  afterEach(async () => {
    if (root) render(nothing, root);
    root?.remove();
    root = undefined;
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups = [];
  });

  for (const entry of loaded) {
    if ('error' in entry) {
      it(`stories/${entry.file} loads`, () => {
        throw new Error(`stories/${entry.file} failed to load: ${entry.error?.message}`);
      });
      continue;
    }
    const meta = entry.module.default as Annotations | undefined;
    describe(meta?.title ?? `stories/${entry.file}`, () => {
      const stories = meta ? storiesOf(entry.module, meta) : [];
      it('is a CSF module with stories', () => {
        expect(meta, `stories/${entry.file} has no default export (the CSF meta)`).to.be.an('object');
        expect(stories.length, `stories/${entry.file} exports no story`).to.be.greaterThan(0);
      });
      for (const story of stories) {
        for (const theme of ['light', 'dark'] as const) {
          it(`${story.name} (${theme} theme) has no WCAG 2.1 A/AA violation`, async function () {
            this.timeout(40_000);
            root = document.createElement('div');
            root.id = 'storybook-root';
            document.body.append(root);
            cleanups = await renderStory(meta!, story, theme, root);
            await settle(root, 25_000);
            const { violations } = await window.axe.run(root, AXE_OPTIONS);
            expect(violations, `${meta!.title} / ${story.name} (${theme}):\n${report(violations)}`).to.have.length(0);
          });
        }
      }
    });
  }
});
