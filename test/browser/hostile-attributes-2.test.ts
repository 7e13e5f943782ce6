/**
 * Hostile attribute and property values, the other half of the tags (the first is in
 * hostile-attributes.test.ts): see hostile-attributes.ts for what is generated and checked.
 */
import { TRAINWATCH_TAGS } from '../../src/frameworks/elements.js';
import { describeHostileAttributes } from './hostile-attributes.js';

describeHostileAttributes(TRAINWATCH_TAGS.filter((_, i) => i % 2 === 1));
