import { defineElement } from '../../internal/define.js';
import { CheckpointTable } from './checkpoint-table.component.js';

export { CheckpointTable };
defineElement('checkpoint-table', CheckpointTable);

declare global {
  interface HTMLElementTagNameMap {
    'checkpoint-table': CheckpointTable;
  }
}
