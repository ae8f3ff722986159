/** A service's namespace in one environment (`{env}` replaced by the environment's name). */
export function resolveNamespace(template: string, env: string): string {
  return template.split('{env}').join(env);
}
