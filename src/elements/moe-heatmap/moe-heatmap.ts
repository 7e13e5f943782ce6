import { defineElement } from '../../internal/define.js';
import { MoeHeatmap } from './moe-heatmap.component.js';

export { MoeHeatmap };
defineElement('moe-heatmap', MoeHeatmap);

declare global {
  interface HTMLElementTagNameMap {
    'moe-heatmap': MoeHeatmap;
  }
}
