/**
 * A partial, typed view of a raw platform: every field that passes its own schema, and nothing
 * else. Cross-field rules read this view, so a malformed entry (a service whose `reads` is a
 * string, an environment with a bad region) drops only the malformed fields, never the rule: every
 * other problem is still reported. The compiler makes each rule handle a missing field.
 */
import { z } from 'zod';
import type { PlatformConfig } from './schema';

/** `T` with every field optional and every array element possibly missing (kept at its index). */
export type View<T> = T extends readonly (infer U)[]
  ? ReadonlyArray<View<U> | undefined>
  : T extends object
    ? { readonly [K in keyof T]?: View<T[K]> }
    : T;

export type PlatformView = View<PlatformConfig>;

/** Keys that name properties of `Object.prototype`: never data in config. */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

/**
 * An object literal or JSON object: its prototype is `null` or an `Object.prototype` (of any realm,
 * so objects from `structuredClone` or a vm context count), never a class's or another object.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/**
 * Everything in `value` that `schema` accepts: the parsed value when it is valid as a whole,
 * otherwise, for objects, records and arrays, the valid parts (array elements keep their index).
 */
export function salvage(schema: z.ZodType, value: unknown): unknown {
  const whole = schema.safeParse(value);
  if (whole.success) return whole.data;
  if (schema instanceof z.ZodOptional) return value === undefined ? undefined : salvage(schema.unwrap() as z.ZodType, value);
  if (schema instanceof z.ZodObject && isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
      if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
      const v = salvage(child, value[key]);
      if (v !== undefined) out[key] = v;
    }
    return out;
  }
  if (schema instanceof z.ZodArray && Array.isArray(value)) return value.map((v) => salvage(schema.element as z.ZodType, v));
  if (schema instanceof z.ZodRecord && isPlainObject(value)) {
    const out: Record<string, unknown> = Object.create(null);
    for (const [key, v] of Object.entries(value)) {
      if (PROTOTYPE_KEYS.has(key) || !(schema.keyType as z.ZodType).safeParse(key).success) continue;
      const s = salvage(schema.valueType as z.ZodType, v);
      if (s !== undefined) out[key] = s;
    }
    return out;
  }
  return undefined;
}

/** Each present element of a view array with its index. */
export function present<T>(items: ReadonlyArray<T | undefined> | undefined): Array<[T, number]> {
  const out: Array<[T, number]> = [];
  (items ?? []).forEach((item, i) => {
    if (item !== undefined) out.push([item, i]);
  });
  return out;
}

/** One environment of a view. */
export type EnvironmentView = NonNullable<NonNullable<PlatformView['environments']>[string]>;

/** The environments of a view, as `[name, environment]` pairs. */
export function environmentsOf(p: PlatformView): Array<[string, EnvironmentView]> {
  return Object.entries(p.environments ?? {}).filter((e): e is [string, EnvironmentView] => e[1] !== undefined);
}
