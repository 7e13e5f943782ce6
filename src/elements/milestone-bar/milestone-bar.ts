import { defineElement } from '../../internal/define.js';
import { MilestoneBar } from './milestone-bar.component.js';

export { MilestoneBar };
defineElement('milestone-bar', MilestoneBar);

declare global {
  interface HTMLElementTagNameMap {
    'milestone-bar': MilestoneBar;
  }
}
