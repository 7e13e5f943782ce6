import { LitElement, css, html } from 'lit';
import { themeStyles } from '../../chart/uplot.styles.js';
import { parseWindow } from '../../internal/time-window.js';

export interface RangeChangeDetail {
  /** The window as typed (`1h`, `all`…), ready for an element's `window` attribute. */
  window: string;
  /** The window in seconds; 0 for all. */
  seconds: number;
}

/**
 * @summary A time-range selector: the window that the page's time-based elements show.
 *
 * A row of choices, a radio group: Tab reaches the chosen one, the arrow keys
 * (and Home / End) choose another. Windows
 * count back from the newest point of the runs shown (see `parseWindow`), so
 * a finished run keeps its charts. Pure UI: the page passes the value on to
 * elements' `window` attributes, or listens for the event.
 *
 * @attr value - The chosen window (default `1h`).
 * @attr options - Comma-separated choices (default `15m,1h,6h,24h,7d,all`).
 * @attr theme - `light`, `dark`, or unset to follow the system.
 *
 * @fires trainwatch-range-change - A choice was made; `detail` is `{ window, seconds }`.
 *
 * @csspart base - The group.
 * @csspart option - Each choice.
 *
 * @cssprop --trainwatch-background - Background.
 * @cssprop --trainwatch-color - Text of the chosen window.
 * @cssprop --trainwatch-muted-color - Text of the other windows.
 * @cssprop --trainwatch-border-color - Border and separators.
 */
export class TimeRange extends LitElement {
  static override styles = [
    themeStyles,
    css`
      :host {
        display: inline-block;
        font-family: var(--_font);
        color: var(--_fg);
      }
      .base {
        display: inline-flex;
        border: 1px solid var(--_border);
        border-radius: 6px;
        overflow: hidden;
        background: var(--_bg);
      }
      button {
        font: inherit;
        font-size: 12px;
        color: var(--_muted);
        background: transparent;
        border: 0;
        border-left: 1px solid var(--_border);
        padding: 4px 10px;
        cursor: pointer;
      }
      button:first-child {
        border-left: 0;
      }
      button[aria-checked='true'] {
        color: var(--_fg);
        background: var(--_grid);
        font-weight: 600;
      }
      button:focus-visible {
        outline: 2px solid #4e79a7;
        outline-offset: -2px;
      }
    `,
  ];

  static override properties = {
    value: { type: String, reflect: true },
    options: { type: String },
    theme: { type: String, reflect: true },
  };

  declare value: string;
  declare options: string;
  declare theme: 'light' | 'dark' | undefined;

  constructor() {
    super();
    this.value = '1h';
    this.options = '15m,1h,6h,24h,7d,all';
  }

  /** The valid choices; invalid ones in `options` are left out. */
  get choices(): string[] {
    return this.options
      .split(',')
      .map((s) => s.trim())
      .filter((s) => {
        try {
          parseWindow(s);
          return s !== '';
        } catch {
          return false;
        }
      });
  }

  private choose(window: string, focus = false) {
    if (window !== this.value) {
      this.value = window;
      this.dispatchEvent(new CustomEvent<RangeChangeDetail>('trainwatch-range-change', { detail: { window, seconds: parseWindow(window) }, bubbles: true, composed: true }));
    }
    if (focus) void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLButtonElement>('[aria-checked="true"]')?.focus());
  }

  private onKey(event: KeyboardEvent) {
    const choices = this.choices;
    const at = choices.indexOf(this.value);
    if (!choices.length) return;
    const n = choices.length;
    const next: Record<string, number> = { ArrowRight: (at + 1) % n, ArrowDown: (at + 1) % n, ArrowLeft: (at - 1 + n) % n, ArrowUp: (at - 1 + n) % n, Home: 0, End: n - 1 };
    if (!(event.key in next)) return;
    event.preventDefault();
    this.choose(choices[next[event.key]], true);
  }

  protected override render() {
    const choices = this.choices;
    const current = choices.includes(this.value) ? this.value : choices[0];
    return html`<div class="base" part="base" role="radiogroup" aria-label="Time range" @keydown=${this.onKey}>
      ${choices.map(
        (choice) => html`<button
          type="button"
          part="option"
          role="radio"
          aria-checked=${choice === current ? 'true' : 'false'}
          tabindex=${choice === current ? 0 : -1}
          @click=${() => this.choose(choice)}
        >
          ${choice === 'all' ? 'All' : choice}
        </button>`,
      )}
    </div>`;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'trainwatch-range-change': CustomEvent<RangeChangeDetail>;
  }
}
