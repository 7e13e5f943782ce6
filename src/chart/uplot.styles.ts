import { css } from 'lit';

/**
 * The few uPlot layout rules trainwatch relies on, restated for shadow DOM
 * (uPlot's stylesheet targets the document and cannot reach inside elements).
 * Colours come from the host's private tokens so both themes apply.
 */
export const uplotStyles = css`
  .uplot,
  .uplot * {
    box-sizing: border-box;
  }
  .uplot {
    font-family: inherit;
    line-height: 1.5;
    width: min-content;
  }
  .u-wrap {
    position: relative;
    user-select: none;
  }
  .u-over,
  .u-under {
    position: absolute;
  }
  .u-under {
    overflow: hidden;
  }
  .uplot canvas {
    display: block;
    position: relative;
    width: 100%;
    height: 100%;
  }
  .u-axis {
    position: absolute;
  }
  .u-select {
    background: var(--_select);
    position: absolute;
    pointer-events: none;
  }
  .u-cursor-x,
  .u-cursor-y {
    position: absolute;
    left: 0;
    top: 0;
    pointer-events: none;
    will-change: transform;
  }
  .u-hz .u-cursor-x {
    height: 100%;
    border-right: 1px dashed var(--_muted);
  }
  .u-hz .u-cursor-y {
    width: 100%;
    border-bottom: 1px dashed var(--_muted);
  }
  .u-cursor-pt {
    position: absolute;
    top: 0;
    left: 0;
    border-radius: 50%;
    border: 0 solid;
    pointer-events: none;
    will-change: transform;
    background-clip: padding-box !important;
  }
  .u-axis.u-off,
  .u-select.u-off,
  .u-cursor-x.u-off,
  .u-cursor-y.u-off,
  .u-cursor-pt.u-off {
    display: none;
  }
`;

/**
 * Theme tokens shared by every element: public --trainwatch-* in, private --_* out.
 *
 * Text colours keep WCAG AA contrast (4.5:1) on the card of their theme:
 * --_muted 5.3 (light) / 6.3 (dark); the status colours --_good, --_warn and
 * --_bad at least 4.9 / 5.6. Status colours change with the theme: a
 * light-theme green or red on a dark card fails (#1a7f37 on #0d1117 is 3.7:1),
 * as does the usual #bf8700 yellow on white (3.1:1), so elements colour states
 * with these tokens rather than literal colours. --_focus, the focus ring, is
 * at least 3:1 on the card and on the page colours the stories use.
 */
export const themeStyles = css`
  :host {
    --_bg: var(--trainwatch-background, #ffffff);
    --_fg: var(--trainwatch-color, #1f2328);
    --_muted: var(--trainwatch-muted-color, #656d76);
    --_grid: var(--trainwatch-grid-color, rgba(31, 35, 40, 0.08));
    --_border: var(--trainwatch-border-color, #d0d7de);
    --_error: var(--trainwatch-error-color, #cf222e);
    --_select: rgba(31, 35, 40, 0.08);
    --_good: var(--trainwatch-good-color, #1a7f37);
    --_warn: var(--trainwatch-warn-color, #9a6700);
    --_bad: var(--trainwatch-bad-color, #cf222e);
    --_focus: var(--trainwatch-focus-color, #0969da);
    --_font: var(--trainwatch-font-family, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    color-scheme: light;
  }
  :host([theme='dark']) {
    --_bg: var(--trainwatch-background, #0d1117);
    --_fg: var(--trainwatch-color, #e6edf3);
    --_muted: var(--trainwatch-muted-color, #8d96a0);
    --_grid: var(--trainwatch-grid-color, rgba(230, 237, 243, 0.1));
    --_border: var(--trainwatch-border-color, #30363d);
    --_error: var(--trainwatch-error-color, #ff7b72);
    --_select: rgba(230, 237, 243, 0.1);
    --_good: var(--trainwatch-good-color, #3fb950);
    --_warn: var(--trainwatch-warn-color, #d29922);
    --_bad: var(--trainwatch-bad-color, #f85149);
    --_focus: var(--trainwatch-focus-color, #4493f8);
    color-scheme: dark;
  }
  @media (prefers-color-scheme: dark) {
    :host(:not([theme='light'])) {
      --_bg: var(--trainwatch-background, #0d1117);
      --_fg: var(--trainwatch-color, #e6edf3);
      --_muted: var(--trainwatch-muted-color, #8d96a0);
      --_grid: var(--trainwatch-grid-color, rgba(230, 237, 243, 0.1));
      --_border: var(--trainwatch-border-color, #30363d);
      --_error: var(--trainwatch-error-color, #ff7b72);
      --_select: rgba(230, 237, 243, 0.1);
      --_good: var(--trainwatch-good-color, #3fb950);
      --_warn: var(--trainwatch-warn-color, #d29922);
      --_bad: var(--trainwatch-bad-color, #f85149);
      --_focus: var(--trainwatch-focus-color, #4493f8);
      color-scheme: dark;
    }
  }
`;

/** Resolved colours for drawing on canvas, which cannot read CSS variables itself. */
export interface CanvasTheme {
  fg: string;
  muted: string;
  grid: string;
  font: string;
}

export function readCanvasTheme(host: HTMLElement): CanvasTheme {
  const style = getComputedStyle(host);
  const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    fg: read('--_fg', '#1f2328'),
    muted: read('--_muted', '#656d76'),
    grid: read('--_grid', 'rgba(0,0,0,0.08)'),
    font: read('--_font', 'system-ui, sans-serif').replace(/"/g, "'"),
  };
}
