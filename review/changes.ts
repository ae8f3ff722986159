/**
 * Resource changes of one stack, from either source a review has: a real plan (`tofu show -json`)
 * or a diff of the synthesized JSON at base and head. Both keep only what a reviewer may see: the
 * address, the concept, the subject (from identifier attributes) and the NAMES of changed
 * attributes. No attribute value is ever copied out.
 */
import { conceptOf, subjectOf, type Concept } from './concepts';
import type { StackJson } from './synthesize';

export type Action = 'create' | 'update' | 'replace' | 'delete';

export interface ResourceChange {
  readonly address: string;
  readonly type: string;
  readonly concept: Concept;
  /** e.g. `waqiti/auth`, `waqiti-api-gateway`, `ExternalSecret waqiti-system/auth`; undefined if none. */
  readonly subject?: string;
  readonly action: Action;
  /** Names of the changed attributes (`custom_metadata.data`, `values`), never their values. */
  readonly attributes: readonly string[];
  /** For replacements from a plan: the attributes that force it. */
  readonly replacedBecause?: readonly string[];
}

/** How a stack's changes were obtained. */
export type ChangeSource = 'plan' | 'config-diff';

export interface Counts {
  add: number;
  change: number;
  replace: number;
  destroy: number;
}

export function countChanges(changes: readonly ResourceChange[]): Counts {
  const c: Counts = { add: 0, change: 0, replace: 0, destroy: 0 };
  for (const ch of changes) {
    if (ch.action === 'create') c.add++;
    else if (ch.action === 'update') c.change++;
    else if (ch.action === 'replace') c.replace++;
    else c.destroy++;
  }
  return c;
}

/* ------------------------------------------------------------------ synthesized-config diff */

type Body = Record<string, unknown>;

/** Resources of a stack as `type.name` → body without cdktf's `//` metadata. */
function resourcesOf(stack: StackJson | undefined): Map<string, { type: string; body: Body }> {
  const out = new Map<string, { type: string; body: Body }>();
  for (const [type, byName] of Object.entries(stack?.resource ?? {})) {
    for (const [name, raw] of Object.entries(byName)) {
      const body = Object.fromEntries(Object.entries(raw).filter(([k]) => k !== '//'));
      out.set(`${type}.${name}`, { type, body });
    }
  }
  return out;
}

/** Differences between the synthesized JSON of a stack at base and at head, resource by resource. */
export function diffSynthesized(stackName: string, base: StackJson | undefined, head: StackJson | undefined): ResourceChange[] {
  const before = resourcesOf(base);
  const after = resourcesOf(head);
  const changes: ResourceChange[] = [];
  const addresses = [...new Set([...before.keys(), ...after.keys()])].sort();
  for (const address of addresses) {
    const b = before.get(address);
    const a = after.get(address);
    const { type, body } = (a ?? b)!;
    const side = a ? after : before;
    const resolveRef = (t: string, n: string, attr: string) => {
      const v = side.get(`${t}.${n}`)?.body[attr];
      return typeof v === 'string' && !v.includes('${') ? v : undefined;
    };
    const common = { address, type, concept: conceptOf(type, body, stackName), subject: subjectOf(type, body, resolveRef) };
    if (!b) changes.push({ ...common, action: 'create', attributes: [] });
    else if (!a) changes.push({ ...common, action: 'delete', attributes: [] });
    else {
      const attributes = changedPaths(b.body, a.body);
      if (attributes.length) changes.push({ ...common, action: 'update', attributes });
    }
  }
  return changes;
}

/* ------------------------------------------------------------------ plan */

interface PlanResourceChange {
  address: string;
  type: string;
  mode?: string;
  change: {
    actions: string[];
    before?: unknown;
    after?: unknown;
    after_unknown?: unknown;
    replace_paths?: unknown[][];
  };
}

/** The resource changes of a `tofu show -json` plan (no-ops and reads left out). */
export function changesFromPlan(stackName: string, plan: { resource_changes?: PlanResourceChange[] }): ResourceChange[] {
  const changes: ResourceChange[] = [];
  for (const rc of plan.resource_changes ?? []) {
    if (rc.mode && rc.mode !== 'managed') continue;
    const actions = rc.change.actions;
    const action = toAction(actions);
    if (!action) continue;
    const { before, after } = rc.change;
    const body = (after ?? before) as unknown;
    const attributes = action === 'update' || action === 'replace' ? changedPaths(asBody(before), asBody(after), asBody(rc.change.after_unknown)) : [];
    changes.push({
      address: rc.address,
      type: rc.type,
      concept: conceptOf(rc.type, body, stackName),
      subject: subjectOf(rc.type, body),
      action,
      attributes,
      ...(action === 'replace' ? { replacedBecause: (rc.change.replace_paths ?? []).map((p) => p.map(String).join('.')).sort() } : {}),
    });
  }
  return changes.sort((x, y) => x.address.localeCompare(y.address));
}

function toAction(actions: readonly string[]): Action | undefined {
  if (actions.includes('delete') && actions.includes('create')) return 'replace';
  if (actions.includes('create')) return 'create';
  if (actions.includes('delete')) return 'delete';
  if (actions.includes('update')) return 'update';
  return undefined;
}

const asBody = (v: unknown): Body => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Body) : {});

/**
 * Dotted names (two levels deep at most) of the attributes that differ between two bodies, or that
 * are unknown until apply. Only keys are returned.
 */
export function changedPaths(before: Body, after: Body, unknown: Body = {}, prefix = '', depth = 2): string[] {
  const out: string[] = [];
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after), ...Object.keys(unknown)])].sort();
  for (const key of keys) {
    const b = before[key];
    const a = after[key];
    const u = unknown[key];
    const name = prefix ? `${prefix}.${key}` : key;
    const isObj = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
    if (depth > 1 && isObj(b) && isObj(a)) {
      out.push(...changedPaths(b as Body, a as Body, isObj(u) ? (u as Body) : {}, name, depth - 1));
    } else if (JSON.stringify(b) !== JSON.stringify(a) || u === true) {
      out.push(name);
    }
  }
  return out;
}
