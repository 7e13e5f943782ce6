/**
 * Charts of one `group` move together: the cursor through uPlot's own sync
 * (pass `cursorSync(group)` as a chart's `cursor.sync`), and zoom through this
 * page-wide channel. A zoom only reaches members whose x axis has the same
 * kind (steps do not mean seconds), and never echoes back to its sender.
 */
import type uPlot from 'uplot';

/** What a zoom means: a range on an axis kind ("step", "time", "relative"), or undefined for zoomed out. */
export interface GroupZoom {
  axis: string;
  range: readonly [number, number] | undefined;
}

export interface GroupMember {
  /** The member's axis kind now (it may change with an attribute). */
  axis(): string;
  /** Shows `range`, as if the user had zoomed this chart (without publishing it again). */
  applyZoom(range: readonly [number, number] | undefined): void;
}

const groups = new Map<string, Set<GroupMember>>();

/** Joins `group`; returns the leave function (call it on disconnect). */
export function joinGroup(group: string, member: GroupMember): () => void {
  let members = groups.get(group);
  if (!members) groups.set(group, (members = new Set()));
  members.add(member);
  return () => {
    members.delete(member);
    if (!members.size && groups.get(group) === members) groups.delete(group);
  };
}

/** Tells the other members of `group` that `sender` zoomed. */
export function publishZoom(group: string, sender: GroupMember, zoom: GroupZoom): void {
  for (const member of groups.get(group) ?? []) {
    if (member !== sender && member.axis() === zoom.axis) member.applyZoom(zoom.range);
  }
}

/** uPlot cursor sync options for a group (the key is namespaced so other uPlot users on the page stay apart). */
export function cursorSync(group: string | undefined): uPlot.Cursor.Sync | undefined {
  return group ? { key: `trainwatch:${group}`, setSeries: false, scales: ['x', null] } : undefined;
}
