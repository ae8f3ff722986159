import { allPolicies, planPlatform } from '../../config/plan';
import { clone, platformNamed } from '../support/synth';

const waqiti = platformNamed('waqiti');
const pea = platformNamed('pea-forecast');

describe('access derived from the inventory', () => {
  it('gives each WAQITI service read on exactly the data paths of its secrets', () => {
    const plan = planPlatform(waqiti, 'prod');
    const payment = plan.services.find((s) => s.name === 'payment-service')!;
    expect(payment.policy.grants).toEqual([
      { path: 'waqiti/data/auth', capabilities: ['read'] },
      { path: 'waqiti/data/encryption', capabilities: ['read'] },
      { path: 'waqiti/data/infrastructure/redis', capabilities: ['read'] },
      { path: 'waqiti/data/payment-providers/paypal', capabilities: ['read'] },
      { path: 'waqiti/data/payment-providers/stripe', capabilities: ['read'] },
      { path: 'waqiti/data/payment-service', capabilities: ['read'] },
    ]);
  });

  it('never derives a wildcard, list, sudo or metadata path for a service', () => {
    for (const platform of [waqiti, pea]) {
      for (const svc of planPlatform(platform, 'prod').services) {
        for (const g of svc.policy.grants) {
          expect(g.path).not.toContain('*');
          expect(g.path).toMatch(new RegExp(`^${platform.kv.mount}/data/`));
          expect(g.capabilities).toEqual(['read']);
        }
      }
    }
  });

  it('binds the PEA backend role to exactly its service account and the environment namespace', () => {
    const backend = planPlatform(pea, 'staging').services.find((s) => s.name === 'backend')!;
    expect(backend.role).toMatchObject({
      name: 'pea-forecast-backend',
      serviceAccounts: ['backend'],
      namespaces: ['pea-forecast-staging'],
      policies: ['pea-forecast-backend'],
      tokenTtlSeconds: 3600,
      audience: 'vault',
    });
    expect(planPlatform(pea, 'prod').services[0].role.namespaces).toEqual(['pea-forecast-prod']);
  });

  it('flags a broad grant and only adds it to the named service', () => {
    const p = clone(waqiti);
    p.broadGrants.push({ service: 'grafana', prefix: 'monitoring/', justification: 'dashboards read every monitoring credential' });
    const plan = planPlatform(p, 'dev');
    const grafana = plan.services.find((s) => s.name === 'grafana')!;
    expect(grafana.policy.grants).toContainEqual({ path: 'waqiti/data/monitoring/*', capabilities: ['read', 'list'], broadJustification: 'dashboards read every monitoring credential' });
    expect(plan.services.filter((s) => s.policy.grants.some((g) => g.broadJustification)).map((s) => s.name)).toEqual(['grafana']);
  });

  it('gives the backup reader read on exactly the critical secrets', () => {
    const plan = planPlatform(waqiti, 'prod');
    const critical = waqiti.secrets.filter((s) => s.criticality === 'critical').map((s) => `waqiti/data/${s.path}`).sort();
    expect(plan.backup!.policy.grants.map((g) => g.path)).toEqual(critical);
    expect(plan.backup!.policy.grants.every((g) => g.capabilities.join() === 'read')).toBe(true);
    expect(plan.backup!.role.serviceAccounts).toEqual(['backup-reader']);
  });

  it('names policies uniquely', () => {
    const names = allPolicies(planPlatform(waqiti, 'prod')).map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('syncs each ESO secret into each consuming service namespace through that service\'s store', () => {
    const plan = planPlatform(waqiti, 'prod');
    const auth = plan.syncs.filter((s) => s.secret.path === 'auth').map((s) => `${s.namespace}/${s.targetName}@${s.storeName}`);
    expect(auth.sort()).toEqual([
      'waqiti-system/api-gateway-auth@vault-api-gateway',
      'waqiti-system/payment-service-auth@vault-payment-service',
      'waqiti-system/user-service-auth@vault-user-service',
      'waqiti-system/wallet-service-auth@vault-wallet-service',
    ]);
    expect(planPlatform(pea, 'prod').syncs).toEqual([]);
  });
});
