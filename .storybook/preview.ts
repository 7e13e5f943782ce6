import type { Decorator, Preview } from '@storybook/web-components-vite';
import { setCustomElementsManifest } from '@storybook/web-components-vite';
import manifest from '../custom-elements.json';
import { manifestArgTypes, manifestDescription } from '../stories/manifest.js';
import { ThemedDocsContainer } from './docs-container.js';

// Every element's docs page (attributes, properties, events, parts, custom properties) is read
// from custom-elements.json, which `npm run storybook` / `build-storybook` regenerate first.
setCustomElementsManifest(manifest);

type Theme = 'light' | 'dark';

/** Page colours behind the card, chosen to sit well with the element's own light and dark tokens. */
const PAGE: Record<Theme, { background: string; color: string }> = {
  light: { background: '#f6f8fa', color: '#1f2328' },
  dark: { background: '#010409', color: '#e6edf3' },
};

/**
 * Paints the preview page in the story's theme: the `theme` arg when a story
 * sets one, else the toolbar's. Stories pass the same choice to the element.
 */
const withThemedPage: Decorator = (story, context) => {
  const theme: Theme = context.args.theme === 'dark' || (context.args.theme !== 'light' && context.globals.theme === 'dark') ? 'dark' : 'light';
  const { style } = document.body;
  style.background = PAGE[theme].background;
  style.color = PAGE[theme].color;
  document.documentElement.style.colorScheme = theme;
  return story();
};

const preview: Preview = {
  // A docs page per element: its description, the primary story with live controls, the API table, every story.
  tags: ['autodocs'],
  decorators: [withThemedPage],
  globalTypes: {
    theme: {
      description: 'Theme of the charts and the page behind them',
      toolbar: {
        title: 'Theme',
        icon: 'mirror',
        items: [
          { value: 'light', title: 'Light', icon: 'sun' },
          { value: 'dark', title: 'Dark', icon: 'moon' },
        ],
        dynamicTitle: true,
      },
    },
  },
  initialGlobals: { theme: 'light' },
  parameters: {
    layout: 'padded',
    // The theme toolbar owns the page background; a second, independent switch would only disagree with it.
    backgrounds: { disable: true },
    controls: { expanded: true, sort: 'none' },
    docs: {
      container: ThemedDocsContainer,
      extractArgTypes: manifestArgTypes,
      extractComponentDescription: manifestDescription,
    },
  },
};

export default preview;
