import type { StorybookConfig } from '@storybook/web-components-vite';

const config: StorybookConfig = {
  stories: ['../stories/**/*.stories.ts'],
  framework: { name: '@storybook/web-components-vite', options: {} },
  // Docs pages built from custom-elements.json (see preview.ts).
  addons: ['@storybook/addon-docs'],
  core: {
    // Storybook runs offline here: no telemetry, no update checks.
    disableTelemetry: true,
    disableWhatsNewNotifications: true,
  },
  // Storybook's own preview runtime is ~900 kB; the default 500 kB warning says nothing about trainwatch.
  viteFinal: (vite) => ({ ...vite, build: { ...vite.build, chunkSizeWarningLimit: 1200 } }),
};

export default config;
