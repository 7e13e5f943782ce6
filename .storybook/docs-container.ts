/**
 * The docs pages follow the Theme toolbar like the stories do: a dark toolbar choice gives a
 * dark docs page, so a dark element is shown on the page it was designed for.
 */
import { DocsContainer, type DocsContainerProps } from '@storybook/addon-docs/blocks';
import { createElement, useEffect, useState, type PropsWithChildren } from 'react';
import { GLOBALS_UPDATED } from 'storybook/internal/core-events';
import { themes } from 'storybook/theming';

interface WithGlobals {
  store?: { userGlobals?: { globals?: Record<string, unknown> } };
  channel?: { on(event: string, listener: () => void): void; off(event: string, listener: () => void): void };
}

export function ThemedDocsContainer(props: PropsWithChildren<DocsContainerProps>) {
  const context = props.context as unknown as WithGlobals;
  const isDark = () => context.store?.userGlobals?.globals?.theme === 'dark';
  const [dark, setDark] = useState(isDark);
  useEffect(() => {
    // Read this page's own globals: the event may come from a story's frame embedded in the page.
    const follow = () => setDark(isDark());
    context.channel?.on(GLOBALS_UPDATED, follow);
    return () => context.channel?.off(GLOBALS_UPDATED, follow);
  }, [context]);
  return createElement(DocsContainer, { ...props, theme: dark ? themes.dark : themes.light }, props.children);
}
