/**
 * "Open this line in detail": the small ↗ next to a legend entry of
 * `<loss-chart>` and `<metric-chart>` that leads to a `<metric-detail>` view of
 * one metric of one run.
 *
 * The page says where that view lives with a URL template (`detail-href`);
 * whatever it says, a click first fires `trainwatch-open-detail`, cancelable,
 * so a single-page app can route itself (preventDefault) and a plain page just
 * follows the link.
 */
import { css, html, nothing, type TemplateResult } from 'lit';
import { encodePart, isWebLink } from '../internal/links.js';
import type { XAxisMode } from './series-data.js';

/** What a `trainwatch-open-detail` event carries: the line, and the visible range when zoomed. */
export interface OpenDetailDetail {
  run: string;
  metric: string;
  /** The line's host, when it is one host's series (`<metric-chart>`). */
  host?: string;
  /** The visible range, on `axis` (steps, or epoch seconds on the time axis); unset when not zoomed. */
  from?: number;
  to?: number;
  axis: 'step' | 'time';
}

/**
 * Fills a URL template: `{run}`, `{metric}`, `{host}`, `{from}`, `{to}` and
 * `{axis}` become the detail's values, URL-encoded (empty when unset).
 * Anything else in the template is left as written.
 */
export function fillDetailHref(template: string, detail: OpenDetailDetail): string {
  const values: Record<string, string | number | undefined> = {
    run: detail.run,
    metric: detail.metric,
    host: detail.host,
    from: detail.from,
    to: detail.to,
    axis: detail.axis,
  };
  return template.replace(/\{(run|metric|host|from|to|axis)\}/g, (_, name: string) => encodePart(String(values[name] ?? '')));
}

/**
 * The range a chart shows, as a detail view takes it: whole steps covering a
 * step range; epoch seconds (to the millisecond) on a time axis; a relative
 * axis counted from `origin` (epoch ms) is turned into wall time.
 */
export function visibleRange(zoom: readonly [number, number] | undefined, axis: XAxisMode, origin = 0): Pick<OpenDetailDetail, 'from' | 'to' | 'axis'> {
  if (axis === 'step') return zoom ? { from: Math.max(0, Math.floor(zoom[0])), to: Math.ceil(zoom[1]), axis } : { axis };
  if (!zoom) return { axis: 'time' };
  const shift = axis === 'relative' ? origin / 1000 : 0;
  return { from: Math.floor((zoom[0] + shift) * 1000) / 1000, to: Math.ceil((zoom[1] + shift) * 1000) / 1000, axis: 'time' };
}

/** Fires the cancelable event; a canceled one keeps the link from being followed. */
function open(event: Event, host: HTMLElement, detail: OpenDetailDetail) {
  const go = host.dispatchEvent(new CustomEvent<OpenDetailDetail>('trainwatch-open-detail', { detail, bubbles: true, composed: true, cancelable: true }));
  if (!go) event.preventDefault();
}

/**
 * The affordance for one line: nothing when `template` is unset; a link to the
 * filled template; or, for an empty template (or one that is not an http(s)
 * link), a button that only fires the event (a page that routes itself and
 * wants no URL).
 */
export function renderOpenDetail(host: HTMLElement, template: string | undefined, detail: OpenDetailDetail): TemplateResult | typeof nothing {
  if (template === undefined || template === null) return nothing;
  const label = `Open ${detail.metric} of ${detail.run}${detail.host ? ` on ${detail.host}` : ''} in detail`;
  const href = fillDetailHref(template, detail);
  // Anything but a web link (`javascript:…`) gets the button: the event, never a script to click.
  if (!template.trim() || !isWebLink(href)) {
    return html`<button type="button" class="open-detail" part="open-detail" aria-label=${label} title=${label} @click=${(e: Event) => open(e, host, detail)}>↗</button>`;
  }
  return html`<a class="open-detail" part="open-detail" href=${href} aria-label=${label} title=${label} @click=${(e: Event) => open(e, host, detail)}>↗</a>`;
}

export const openDetailStyles = css`
  .legend li {
    display: inline-flex;
    align-items: center;
  }
  .open-detail {
    font: inherit;
    font-size: 12px;
    color: var(--_muted);
    background: none;
    border: 0;
    padding: 0;
    margin-left: 2px;
    /* WCAG 2.2 target size. */
    min-width: 24px;
    min-height: 24px;
    display: inline-flex;
    align-items: center;
    justify-content: center;
    text-decoration: none;
    border-radius: 4px;
    cursor: pointer;
  }
  .open-detail:hover {
    color: var(--_fg);
  }
  .open-detail:focus-visible {
    outline: 2px solid var(--_focus, var(--_muted));
    outline-offset: 1px;
  }
`;

declare global {
  interface GlobalEventHandlersEventMap {
    'trainwatch-open-detail': CustomEvent<OpenDetailDetail>;
  }
}
