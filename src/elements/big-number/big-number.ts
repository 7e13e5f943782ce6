import { defineElement } from '../../internal/define.js';
import { BigNumber } from './big-number.component.js';

export { BigNumber };
defineElement('big-number', BigNumber);

declare global {
  interface HTMLElementTagNameMap {
    'big-number': BigNumber;
  }
}
