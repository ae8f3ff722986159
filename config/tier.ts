/**
 * Which environments are held to production standards. Every production-only rule asks this helper,
 * never an environment's name.
 */
import type { EnvironmentConfig } from './schema';

/** `env.productionGrade`, or by default `staging` and `prod`. */
export function isProductionGrade(envName: string, env: EnvironmentConfig): boolean {
  return env.productionGrade ?? (envName === 'staging' || envName === 'prod');
}
