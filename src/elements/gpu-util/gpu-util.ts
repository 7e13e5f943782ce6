import { defineElement } from '../../internal/define.js';
import { GpuUtil } from './gpu-util.component.js';

export { GpuUtil };
defineElement('gpu-util', GpuUtil);

declare global {
  interface HTMLElementTagNameMap {
    'gpu-util': GpuUtil;
  }
}
