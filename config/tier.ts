/**
 * The production tier of an environment, declared rather than guessed from its name.
 *
 * Every production-only rule (replicas, KMS unseal, TLS, backup replicas, an https Vault address,
 * no wildcard bindings) asks `isProductionGrade`; no rule compares environment names for that.
 */
import type { EnvironmentConfig } from './schema';

/** Environments that are production-grade unless they say otherwise (validation refuses `false` for them). */
export const PRODUCTION_BY_DEFAULT = ['staging', 'prod'] as const;

/** Environments whose tier is implied by their name; any other environment must declare `productionGrade`. */
export const KNOWN_TIERS = ['local', 'dev', ...PRODUCTION_BY_DEFAULT] as const;

/** Whether an environment is held to production rules: its `productionGrade`, else `staging` and `prod`. */
export function isProductionGrade(envName: string, env: Pick<EnvironmentConfig, 'productionGrade'>): boolean {
  return env.productionGrade ?? (envName === 'staging' || envName === 'prod');
}
