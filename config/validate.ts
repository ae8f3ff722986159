/**
 * Validation entry point: the shape of every object, the schema, the cross-field rules and the
 * derived names, in one pass over every platform; every problem is reported at once.
 */
import { describeSchemaIssue, describeValue } from './errors';
import { NameRegistry, registerGlobalNames } from './names';
import { checkRules, type ConfigIssue } from './rules';
import { platformSchema, type PlatformConfig } from './schema';
import { findSecretLikeValues } from './secret-patterns';
import { environmentsOf, isPlainObject, PROTOTYPE_KEYS, salvage, type PlatformView } from './view';

export type { ConfigIssue } from './rules';

/** A problem, with the platform it belongs to (its name, or `platforms[i]`). */
export type PlatformIssue = ConfigIssue & { readonly platform: string };

/** Thrown when one or more platforms are invalid; the message lists every problem. */
export class PlatformConfigError extends Error {
  constructor(public readonly issues: ReadonlyArray<PlatformIssue>) {
    super(formatIssues(issues));
    this.name = 'PlatformConfigError';
  }
}

/**
 * Objects with a prototype other than `Object.prototype` (class instances, `{ __proto__: ... }`
 * literals) and keys that name `Object.prototype` members (`__proto__`, `constructor`, ...): both
 * let a lookup find something validation never saw.
 */
function prototypeIssues(value: unknown, path: string, out: ConfigIssue[], seen: Set<object>): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (Array.isArray(value)) {
    value.forEach((v, i) => prototypeIssues(v, `${path}[${i}]`, out, seen));
    return;
  }
  if (!isPlainObject(value)) {
    out.push({
      path,
      message: 'is not a plain object: it has a custom prototype (an object literal with "__proto__", or a class instance)',
      hint: 'write it as an object literal { ... } without "__proto__": inherited fields are invisible to validation but not to the code that reads them',
    });
  }
  for (const key of Object.keys(value)) {
    const at = path ? `${path}.${key}` : key;
    if (PROTOTYPE_KEYS.has(key)) {
      out.push({ path: at, message: `"${key}" cannot be used as a key`, hint: `it names a built-in property of every JavaScript object${key === '__proto__' ? ' (it replaces the object\'s prototype)' : ''}; rename it` });
    }
    prototypeIssues((value as Record<string, unknown>)[key], at, out, seen);
  }
}

/** The same problem reported twice (by two rules, or for two environments) is listed once. */
function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Replaces quoted text that looks like a secret value, so no message ever prints one. */
export function redact(text: string): string {
  return text.replace(/"([^"]*)"/g, (whole, inner: string) => (findSecretLikeValues(inner).length > 0 ? '"<a secret-looking value, not shown>"' : whole));
}

interface Checked {
  readonly issues: ConfigIssue[];
  readonly view?: PlatformView;
  readonly parsed?: PlatformConfig;
}

function check(raw: unknown): Checked {
  if (!isPlainObject(raw)) {
    return {
      issues: [{ path: '', message: `a platform must be an object, received ${describeValue(raw)}`, hint: 'each entry of PLATFORMS is a PlatformConfig object, such as the one in config/platforms/waqiti.ts' }],
    };
  }
  const issues: ConfigIssue[] = [];
  prototypeIssues(raw, '', issues, new Set());
  const parsed = platformSchema.safeParse(raw);
  if (!parsed.success) for (const issue of parsed.error.issues) issues.push(...describeSchemaIssue(issue, platformSchema, raw));
  const view = (parsed.success ? parsed.data : salvage(platformSchema, raw)) as PlatformView;
  issues.push(...checkRules(view));
  const clean = dedupe(issues).map((i) => ({ path: i.path, message: redact(i.message), hint: redact(i.hint) }));
  return { issues: clean, view, parsed: parsed.success ? parsed.data : undefined };
}

/** Every problem with one platform's raw configuration; empty when it is valid. */
export function platformIssues(raw: unknown): ConfigIssue[] {
  return check(raw).issues;
}

/** Problems between platforms: duplicate names, shared stack names, state files and buckets. */
function crossPlatformIssues(views: ReadonlyArray<PlatformView | undefined>, labels: readonly string[]): PlatformIssue[] {
  const issues: PlatformIssue[] = [];
  const firstByName = new Map<string, number>();
  views.forEach((p, i) => {
    if (p?.name === undefined) return;
    const first = firstByName.get(p.name);
    if (first === undefined) firstByName.set(p.name, i);
    else issues.push({ platform: labels[i], path: 'name', message: `platform "${p.name}" is declared twice (platforms[${first}] and platforms[${i}])`, hint: 'platform names are unique: they prefix every stack' });
  });
  const unique = views.map((p, i) => (p?.name !== undefined && firstByName.get(p.name) === i ? p : undefined));
  const reg = new NameRegistry();
  registerGlobalNames(unique, reg);
  // One issue per pair of sources, listing what they both produce.
  const grouped = new Map<string, { c: (typeof reg.collisions)[number]; names: string[] }>();
  for (const c of reg.collisions) {
    const key = [c.first.platform, c.first.path, c.second.platform, c.second.path].join('\u0000');
    const g = grouped.get(key) ?? { c, names: [] };
    g.names.push(`${c.kind} "${c.name}"`);
    grouped.set(key, g);
  }
  for (const { c, names } of grouped.values()) {
    const i = unique.findIndex((p) => p?.name === c.second.platform);
    const shown = names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
    issues.push({
      platform: labels[i] ?? String(c.second.platform),
      path: c.second.path,
      message: `${c.second.what} and ${c.first.what} (${c.first.path}) produce the same ${shown}`,
      hint: names.every((n) => n.startsWith('state file'))
        ? 'give each environment of each platform its own backend keyPrefix, e.g. "<platform>/<env>"'
        : 'rename the platform or the environment: "<platform>-<env>" prefixes every stack, state file and IAM role, so it must be unique (see config/names.ts)',
    });
  }
  // A state bucket belongs to one platform: a platform's credentials must not reach another's state.
  const bucketOwner = new Map<string, string>();
  unique.forEach((p, i) => {
    if (!p) return;
    for (const [env, e] of environmentsOf(p)) {
      const b = e.backend;
      if (b?.type !== 's3' || b.bucket === undefined) continue;
      const owner = bucketOwner.get(b.bucket);
      if (owner === undefined) bucketOwner.set(b.bucket, p.name!);
      else if (owner !== p.name) {
        issues.push({ platform: labels[i], path: `environments.${env}.backend.bucket`, message: `state bucket "${b.bucket}" is also used by platform "${owner}"`, hint: 'give each platform its own state bucket: whoever can write one platform\'s state must not reach another\'s' });
      }
    }
  });
  return issues;
}

/** Validates every platform; returns them as parsed, or throws one error that lists every problem. */
export function validatePlatforms(raw: ReadonlyArray<unknown>): PlatformConfig[] {
  const labels = raw.map((p, i) => {
    const name = isPlainObject(p) ? p.name : undefined;
    return typeof name === 'string' && name !== '' ? name : `platforms[${i}]`;
  });
  const checked = raw.map(check);
  const issues: PlatformIssue[] = checked.flatMap((c, i) => c.issues.map((issue) => ({ ...issue, platform: labels[i] })));
  issues.push(...crossPlatformIssues(checked.map((c) => c.view), labels).map((i) => ({ ...i, message: redact(i.message) })));
  if (issues.length > 0) throw new PlatformConfigError(issues);
  return checked.map((c) => c.parsed!);
}

/** Human-readable list of problems, one per line, grouped by platform. */
export function formatIssues(issues: ReadonlyArray<PlatformIssue>): string {
  const lines = issues.map((i) => `  - ${i.platform}: ${i.path || '(root)'}: ${i.message}\n      hint: ${i.hint}`);
  return `Invalid platform configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`;
}
