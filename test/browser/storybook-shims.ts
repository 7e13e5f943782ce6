/**
 * Stands in for the Storybook runtime modules stories import, when they run
 * under web-test-runner instead of Storybook.
 *
 * `storybook/test` and `@storybook/web-components-vite` pull in
 * @testing-library/dom, whose ESM build imports CommonJS packages (aria-query,
 * pretty-format, lz-string) that the dev server serves as they are, so neither
 * links in the browser. Stories use `fn()` (an action spy for event args) and
 * the custom-elements manifest accessors; anything else they start to import
 * from these modules fails loudly at link time ("does not provide an export
 * named …") rather than being faked here.
 *
 * stories-a11y.test.ts maps both modules' URLs to this file with an import map.
 */

export interface SpyFunction<Args extends unknown[], Result> {
  (...args: Args): Result | undefined;
  mock: { calls: Args[] };
}

/** `storybook/test`'s `fn`: a spy that records its calls and forwards them to `implementation`, if any. */
export function fn<Args extends unknown[] = unknown[], Result = unknown>(implementation?: (...args: Args) => Result): SpyFunction<Args, Result> {
  const calls: Args[] = [];
  const spy = (...args: Args): Result | undefined => {
    calls.push(args);
    return implementation?.(...args);
  };
  return Object.assign(spy, { mock: { calls } });
}

// The web-components renderer keeps the manifest on the window, under these names.
const store = globalThis as { __STORYBOOK_CUSTOM_ELEMENTS__?: unknown; __STORYBOOK_CUSTOM_ELEMENTS_MANIFEST__?: unknown };

export function setCustomElements(customElements: unknown): void {
  store.__STORYBOOK_CUSTOM_ELEMENTS__ = customElements;
}

export function setCustomElementsManifest(customElements: unknown): void {
  store.__STORYBOOK_CUSTOM_ELEMENTS_MANIFEST__ = customElements;
}

export function getCustomElements(): unknown {
  return store.__STORYBOOK_CUSTOM_ELEMENTS__ ?? store.__STORYBOOK_CUSTOM_ELEMENTS_MANIFEST__;
}
