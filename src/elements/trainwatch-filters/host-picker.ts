import { defineElement } from '../../internal/define.js';
import { HostPicker } from './host-picker.component.js';

export { HostPicker };
defineElement('host-picker', HostPicker);

declare global {
  interface HTMLElementTagNameMap {
    'host-picker': HostPicker;
  }
}
