import { LitElement, css, html } from 'lit';
import { formatAge } from '../../chart/format.js';
import { themeStyles } from '../../chart/uplot.styles.js';
import { liveStores } from '../../store/registry.js';
import { waitingAfter, type TelemetryStore } from '../../store/store.js';
import { ClockController } from '../../internal/clock-controller.js';

export type ConnectionLevel = 'ok' | 'degraded' | 'down' | 'idle';

export interface ConnectionSummary {
  level: ConnectionLevel;
  text: string;
  /**
   * The state for screen readers: no ages, so it changes only when the state
   * (or the error) does; empty for the passing ones (nothing on the page yet,
   * connecting) that are not worth an announcement.
   */
  spoken: string;
}

/** Failed polls in a row before the light turns red; fewer are yellow (retrying). */
const DOWN_AFTER = 3;

/** What the stores' health says, in one light and one sentence. */
export function summarize(stores: readonly TelemetryStore[], now = Date.now()): ConnectionSummary {
  if (stores.length === 0) return { level: 'idle', text: 'Not connected', spoken: '' };
  const failing = stores.filter((s) => s.health.failures > 0);
  const worst = failing.sort((a, b) => b.health.failures - a.health.failures)[0];
  if (worst && worst.health.failures >= DOWN_AFTER) {
    const text = worst.health.lastError ?? 'Disconnected';
    return { level: 'down', text, spoken: `Connection lost: ${text}` };
  }
  if (worst) {
    const text = `Retrying: ${worst.health.lastError ?? 'a poll failed'}`;
    return { level: 'degraded', text, spoken: `Connection ${text.charAt(0).toLowerCase()}${text.slice(1)}` };
  }
  // A poll unanswered for long: the server is slow (or hanging), not down yet.
  const waiting = stores.find((s) => now - (s.health.waitingSince ?? NaN) > waitingAfter(s.pollInterval));
  if (waiting) {
    const label = waiting.source.label;
    return { level: 'degraded', text: `Waiting ${Math.round((now - (waiting.health.waitingSince ?? now)) / 1000)} s for ${label}`, spoken: `Connection slow: waiting for ${label}` };
  }
  const last = Math.min(...stores.map((s) => s.health.lastSuccessAt));
  if (Number.isNaN(last)) return { level: 'degraded', text: 'Connecting…', spoken: '' };
  // A poll overdue by three intervals means a slow server even without an error.
  const overdue = stores.find((s) => now - s.health.lastSuccessAt > 3 * s.pollInterval + 1000);
  if (overdue) return { level: 'degraded', text: `Slow: last answer ${formatAge(now - overdue.health.lastSuccessAt)}`, spoken: 'Connection slow' };
  return { level: 'ok', text: `Live · updated ${formatAge(now - last)}`, spoken: 'Connection live' };
}

/**
 * @summary A green / yellow / red light for the page's connection to ClickHouse (or a relay).
 *
 * Watches every store on the page: green while polls succeed, yellow while a
 * poll is retrying or overdue ("Waiting 12 s for ClickHouse at …" while a
 * slow server has not answered), red after three failures in a row, with the
 * store's own message ("Cannot reach ClickHouse at …"). Grey when nothing on
 * the page is connected.
 *
 * Screen readers: the sentence is read with the pill (also in compact mode),
 * and changes of state are announced politely by a `role="status"` region
 * ("Connection lost: Cannot reach …", "Connection live"), once per change:
 * the ages that move every second are not in it, so polls make no noise.
 *
 * @attr compact - Only the light; the sentence goes to the tooltip (and stays readable by screen readers).
 * @attr theme - `light`, `dark`, or unset to follow the system.
 *
 * @csspart base - The pill.
 * @csspart light - The coloured dot.
 *
 * @cssprop --trainwatch-background - Pill background.
 * @cssprop --trainwatch-color - Text colour.
 * @cssprop --trainwatch-border-color - Pill border.
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
      .visually-hidden {
        position: absolute;
        width: 1px;
        height: 1px;
        overflow: hidden;
        clip: rect(0 0 0 0);
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

  /** What the live region says: the last state worth announcing, set only when it changes. */
  private announcement = '';
  /** The state seen at the previous render; undefined before the first, which is not announced. */
  private lastSpoken: string | undefined;

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

  /** The last state change announced to screen readers (empty before the first change). */
  get announced(): string {
    return this.announcement;
  }

  protected override willUpdate(): void {
    const { spoken } = this.summary;
    if (this.lastSpoken !== undefined && spoken && spoken !== this.lastSpoken) this.announcement = spoken;
    this.lastSpoken = spoken || this.lastSpoken || '';
  }

  protected override render() {
    const { level, text } = this.summary;
    return html`<span class="base ${level}" part="base" title=${text}>
      <span class="light" part="light" aria-hidden="true"></span>
      <span class=${this.compact ? 'visually-hidden' : 'text'}><span class="visually-hidden">Connection: </span>${text}</span>
      <span class="visually-hidden" role="status">${this.announcement}</span>
    </span>`;
  }
}
