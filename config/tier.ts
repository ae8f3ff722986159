import type { EnvironmentConfig } from './schema';

/** Whether an environment is held to production standards. */
export function isProductionGrade(envName: string, env: EnvironmentConfig): boolean {
  return env.productionGrade ?? (envName === 'staging' || envName === 'prod');
}
