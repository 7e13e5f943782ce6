/**
 * Step selection shared by the MoE views (`<moe-heatmap>`, `<moe-tokens>`):
 * both show one logged step of a metric that is written every few hundred
 * steps, the newest by default, or one the user picks from the logged steps.
 *
 * A picked step that was not logged shows the nearest logged step at or before
 * it, so a page can pin a step of another chart (a checkpoint's) without
 * knowing when the MoE metrics were written.
 */
import { css, html, type TemplateResult } from 'lit';
import { formatStep } from '../../chart/format.js';
import { got } from '../../internal/invalid.js';

export { loggedStepsQuery, readSteps, STEP_FILTER, STEP_LIST_LIMIT, stepParams } from './step-picker.queries.js';

/** The `step` property as set (null once the attribute is removed), or undefined for "latest". */
export const pickedStep = (step: number | null | undefined): number | undefined => (step === null || step === undefined ? undefined : step);

/** A message for a `step` that is not a step number. */
export function stepError(step: number | null | undefined): string | undefined {
  const picked = pickedStep(step);
  if (picked === undefined || (Number.isSafeInteger(picked) && picked >= 0)) return undefined;
  return `step must be a whole number ≥ 0, or unset for the latest logged step; ${got(step)}.`;
}

export interface StepChangeDetail {
  /** The step picked, or null for "latest". */
  step: number | null;
}

declare global {
  interface GlobalEventHandlersEventMap {
    'trainwatch-step-change': CustomEvent<StepChangeDetail>;
  }
}

/**
 * The step `<select>`: "Latest" then the logged steps, newest first. A picked
 * step older than the listed ones stays in the list.
 */
export function renderStepPicker(steps: number[], picked: number | undefined, onPick: (step: number | undefined) => void): TemplateResult {
  const options = picked !== undefined && !steps.includes(picked) ? [...steps, picked].sort((a, b) => b - a) : steps;
  const change = (event: Event) => {
    const value = (event.target as HTMLSelectElement).value;
    onPick(value === '' ? undefined : Number(value));
  };
  return html`<label class="step-picker" part="step-picker">
    <span>Step</span>
    <select @change=${change}>
      <option value="" ?selected=${picked === undefined}>Latest${steps.length ? ` (${formatStep(steps[0])})` : ''}</option>
      ${options.map((s) => html`<option value=${String(s)} ?selected=${s === picked}>${s.toLocaleString('en-US')}</option>`)}
    </select>
  </label>`;
}

/** Fires `trainwatch-step-change` from the element after a user's pick. */
export function announceStep(host: HTMLElement, step: number | undefined): void {
  host.dispatchEvent(new CustomEvent<StepChangeDetail>('trainwatch-step-change', { detail: { step: step ?? null }, bubbles: true, composed: true }));
}

/** "step 1,200", with "· latest" or "(nearest logged at or before 1,250)" when that helps. */
export function describeShownStep(shown: number, picked: number | undefined): string {
  const at = `step ${shown.toLocaleString('en-US')}`;
  if (picked === undefined) return `${at} · latest`;
  return picked === shown ? at : `${at} (last logged at or before ${picked.toLocaleString('en-US')})`;
}

export const stepPickerStyles = css`
  .step-picker {
    display: inline-flex;
    align-items: center;
    gap: 4px;
    font-size: 12px;
    color: var(--_muted);
  }
  .step-picker select {
    font: inherit;
    color: var(--_fg);
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: 4px;
    padding: 1px 4px;
  }
  .body.pending {
    opacity: 0.5;
    transition: opacity 0.2s 0.1s;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    padding: 0;
    margin: -1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
`;
