import { LitElement, css, html } from 'lit';
import { formatAge } from '../../chart/format.js';
import { themeStyles } from '../../chart/uplot.styles.js';
import { liveStores } from '../../store/registry.js';
import type { TelemetryStore } from '../../store/store.js';
import { ClockController } from '../../internal/clock-controller.js';

export type ConnectionLevel = 'ok' | 'degraded' | 'down' | 'idle';

export interface ConnectionSummary {
  level: ConnectionLevel;
  text: string;
}

/** Failed polls in a row before the light turns red; fewer are yellow (retrying). */
const DOWN_AFTER = 3;

/** What the stores' health says, in one light and one sentence. */
export function summarize(stores: readonly TelemetryStore[], now = Date.now()): ConnectionSummary {
  if (stores.length === 0) return { level: 'idle', text: 'Not connected' };
  const failing = stores.filter((s) => s.health.failures > 0);
  const worst = failing.sort((a, b) => b.health.failures - a.health.failures)[0];
  if (worst && worst.health.failures >= DOWN_AFTER) return { level: 'down', text: worst.health.lastError ?? 'Disconnected' };
  if (worst) return { level: 'degraded', text: `Retrying: ${worst.health.lastError ?? 'a poll failed'}` };
  const last = Math.min(...stores.map((s) => s.health.lastSuccessAt));
  if (Number.isNaN(last)) return { level: 'degraded', text: 'Connecting…' };
  // A poll overdue by three intervals means a slow server even without an error.
  const overdue = stores.find((s) => now - s.health.lastSuccessAt > 3 * s.pollInterval + 1000);
  if (overdue) return { level: 'degraded', text: `Slow: last answer ${formatAge(now - overdue.health.lastSuccessAt)}` };
  return { level: 'ok', text: `Live · updated ${formatAge(now - last)}` };
}

/**
 * @summary A green / yellow / red light for the page's connection to ClickHouse (or a relay).
 *
 * Watches every store on the page: green while polls succeed, yellow while a
 * poll is retrying or overdue, red after three failures in a row, with the
 * store's own message ("Cannot reach ClickHouse at …"). Grey when nothing on
 * the page is connected.
 *
 * @attr compact - Only the light; the sentence goes to the tooltip.
 *
 * @csspart base - The pill.
 * @csspart light - The coloured dot.
 */
export class ConnectionStatus extends LitElement {
  static override styles = [
    themeStyles,
    css`
      :host {
        display: inline-block;
        font-family: var(--_font);
        font-size: 12px;
        color: var(--_fg);
        max-width: 100%;
      }
      .base {
        display: inline-flex;
        align-items: center;
        gap: 6px;
        padding: 3px 10px;
        border: 1px solid var(--_border);
        border-radius: 999px;
        background: var(--_bg);
        max-width: 100%;
        box-sizing: border-box;
      }
      .light {
        flex: none;
        width: 9px;
        height: 9px;
        border-radius: 50%;
        background: var(--_muted);
      }
      .ok .light {
        background: #1a7f37;
      }
      .degraded .light {
        background: #bf8700;
      }
      .down .light {
        background: #cf222e;
      }
      .text {
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
    `,
  ];

  static override properties = {
    compact: { type: Boolean, reflect: true },
    theme: { type: String, reflect: true },
  };

  declare compact: boolean;
  declare theme: 'light' | 'dark' | undefined;

  constructor() {
    super();
    // The light and age move with the clock, not only with polls.
    new ClockController(this);
    this.compact = false;
  }

  /** The light and sentence as rendered. */
  get summary(): ConnectionSummary {
    return summarize(liveStores());
  }

  protected override render() {
    const { level, text } = this.summary;
    return html`<span class="base ${level}" part="base" role="status" title=${text} aria-label=${`Connection: ${text}`}>
      <span class="light" part="light"></span>
      ${this.compact ? '' : html`<span class="text">${text}</span>`}
    </span>`;
  }
}
