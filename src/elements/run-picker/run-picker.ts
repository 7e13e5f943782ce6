import { defineElement } from '../../internal/define.js';
import { RunPicker } from './run-picker.component.js';

export { RunPicker };
defineElement('run-picker', RunPicker);

declare global {
  interface HTMLElementTagNameMap {
    'run-picker': RunPicker;
  }
}
