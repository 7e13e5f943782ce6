import { defineElement } from '../../internal/define.js';
import { MoeTokens } from './moe-tokens.component.js';

export { MoeTokens };
defineElement('moe-tokens', MoeTokens);

declare global {
  interface HTMLElementTagNameMap {
    'moe-tokens': MoeTokens;
  }
}
