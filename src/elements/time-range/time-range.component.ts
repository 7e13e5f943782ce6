import { ContextConsumer } from '@lit/context';
import { LitElement, css, html } from 'lit';
import { themeStyles } from '../../chart/uplot.styles.js';
import { filterContext } from '../../internal/filter-context.js';
import { ensureContextRoot } from '../../internal/source-context.js';
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
 * Inside `<trainwatch-filters>` it shows and sets the filters' window (its
 * event sets it, and `value` follows it); filters without a window get its
 * `value`, announced by the same event. A window that is not among the
 * choices but valid is shown as an extra choice; an invalid one leaves no
 * choice checked.
 *
 * @attr value - The chosen window (default `1h`; inside `<trainwatch-filters>` with a window, that one).
 * @attr options - Comma-separated choices (default `15m,1h,6h,24h,7d,all`).
 * @attr theme - `light`, `dark`, or unset to follow the system.
 *
 * @fires trainwatch-range-change - A choice was made (or, inside `<trainwatch-filters>` without a window, its `value` is given to them); `detail` is `{ window, seconds }`.
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
    ensureContextRoot();
    new ContextConsumer(this, {
      context: filterContext,
      subscribe: true,
      callback: (filters) => {
        if (!filters) return;
        const window = filters.window?.trim();
        if (window) this.value = window;
        // Filters without a window take this one, so the elements show what the control says.
        else if (seconds(this.value) !== undefined) this.announce(this.value);
      },
    });
  }

  /** The valid choices; invalid ones in `options` are left out. A valid `value` that is not among them is added before the first longer one. */
  get choices(): string[] {
    const choices = this.options
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '' && seconds(s) !== undefined);
    const current = seconds(this.value);
    if (current === undefined || choices.includes(this.value)) return choices;
    const length = (s: string) => seconds(s) || Infinity;
    const at = choices.findIndex((c) => length(c) > length(this.value));
    return at < 0 ? [...choices, this.value] : [...choices.slice(0, at), this.value, ...choices.slice(at)];
  }

  private announce(window: string) {
    this.dispatchEvent(new CustomEvent<RangeChangeDetail>('trainwatch-range-change', { detail: { window, seconds: parseWindow(window) }, bubbles: true, composed: true }));
  }

  private choose(window: string, focus = false) {
    if (window !== this.value) {
      this.value = window;
      this.announce(window);
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
    // An invalid value (a hand-edited link) checks nothing: the elements say what is wrong.
    const current = choices.includes(this.value) ? this.value : undefined;
    const tabStop = current ?? choices[0];
    return html`<div class="base" part="base" role="radiogroup" aria-label="Time range" @keydown=${this.onKey}>
      ${choices.map(
        (choice) => html`<button
          type="button"
          part="option"
          role="radio"
          aria-checked=${choice === current ? 'true' : 'false'}
          tabindex=${choice === tabStop ? 0 : -1}
          @click=${() => this.choose(choice)}
        >
          ${choice === 'all' ? 'All' : choice}
        </button>`,
      )}
    </div>`;
  }
}

/** Seconds of a window, or undefined when it is not one. */
function seconds(window: string): number | undefined {
  try {
    return window.trim() ? parseWindow(window) : undefined;
  } catch {
    return undefined;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'trainwatch-range-change': CustomEvent<RangeChangeDetail>;
  }
}
