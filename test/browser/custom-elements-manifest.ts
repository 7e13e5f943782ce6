/**
 * custom-elements.json for stories-a11y.test.ts, which hands it to the
 * Storybook manifest accessors as .storybook/preview.ts does. (preview.ts
 * imports the JSON as a module, which Vite allows and the test runner's dev
 * server does not: it serves JSON as JSON.)
 */
const url = new URL('../../custom-elements.json', import.meta.url);
const response = await fetch(url);
if (!response.ok) throw new Error(`${url.pathname}: ${response.status} ${response.statusText} (generate it with \`npm run manifest\`)`);

const manifest: unknown = await response.json();
export default manifest;
