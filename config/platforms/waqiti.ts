/**
 * WAQITI, a payments platform. Source: `shared/seeds/000_*` ("Secrets Management for WAQITI
 * Platform"). Paths match the seed's tree under `waqiti/data/`; every secret is synced by ESO and
 * the critical ones are backed up to AWS Secrets Manager.
 *
 * Where the seed gives one role (`waqiti-services`, `waqiti/data/*` read+list, bound to
 * `external-secrets-sa`), this inventory gives each service its own role and policy with read on
 * exactly the secrets it consumes.
 */
import { standardEnvironments } from '../environments';
import type { PlatformConfig, SecretConfig, ServiceConfig } from '../schema';

const NS = 'waqiti-system';
const generated = (length: number, generation = 1) => ({ kind: 'generated' as const, length, charset: 'alphanumeric' as const, generation });

/** The per-service database credentials of the seed's `[service-name]/` entries. */
const dbSecret = (service: string): SecretConfig => ({
  path: service,
  keys: ['db-host', 'db-username', 'db-password'],
  consumers: [service],
  origin: { kind: 'external', source: 'database provisioning (per-service PostgreSQL role)' },
  rotationPeriod: '90d',
  owner: 'team-data-platform',
  criticality: 'critical',
  delivery: ['eso'],
  description: `${service} database connection`,
});

const APP_SERVICES = ['payment-service', 'wallet-service', 'user-service', 'banking-service'] as const;

const services: ServiceConfig[] = [
  { name: 'payment-service', namespace: NS, serviceAccounts: ['payment-service'], reads: ['payment-service', 'auth', 'encryption', 'payment-providers/stripe', 'payment-providers/paypal', 'infrastructure/redis'] },
  { name: 'wallet-service', namespace: NS, serviceAccounts: ['wallet-service'], reads: ['wallet-service', 'auth', 'encryption', 'infrastructure/redis'] },
  { name: 'user-service', namespace: NS, serviceAccounts: ['user-service'], reads: ['user-service', 'auth', 'encryption'] },
  { name: 'banking-service', namespace: NS, serviceAccounts: ['banking-service'], reads: ['banking-service', 'payment-providers/plaid', 'encryption'] },
  { name: 'api-gateway', namespace: NS, serviceAccounts: ['api-gateway'], reads: ['auth', 'tls/production'] },
  { name: 'postgres', namespace: 'waqiti-data', serviceAccounts: ['postgres'], reads: ['infrastructure/postgres'] },
  { name: 'redis', namespace: 'waqiti-data', serviceAccounts: ['redis'], reads: ['infrastructure/redis'] },
  { name: 'grafana', namespace: 'waqiti-monitoring', serviceAccounts: ['grafana'], reads: ['infrastructure/grafana'] },
  { name: 'prometheus', namespace: 'waqiti-monitoring', serviceAccounts: ['prometheus'], reads: ['monitoring/basic-auth'] },
  { name: 'kibana', namespace: 'waqiti-monitoring', serviceAccounts: ['kibana'], reads: ['monitoring/kibana-auth'] },
  { name: 'jaeger', namespace: 'waqiti-monitoring', serviceAccounts: ['jaeger-query'], reads: ['monitoring/jaeger-auth'] },
];

/** Consumers of a path, derived from the services above so the two lists cannot drift. */
const consumersOf = (path: string) => services.filter((s) => s.reads.includes(path)).map((s) => s.name);

const secret = (s: Omit<SecretConfig, 'consumers' | 'delivery'>): SecretConfig => ({ ...s, consumers: consumersOf(s.path), delivery: ['eso'] });

export const waqiti: PlatformConfig = {
  name: 'waqiti',
  displayName: 'WAQITI payments platform',
  kv: { mount: 'waqiti', maxVersions: 10, casRequired: false, deleteVersionAfter: '0s' },
  vault: { namespace: 'vault', storage: { type: 'raft' }, injector: false, csi: false },
  secrets: [
    secret({ path: 'infrastructure/postgres', keys: ['password'], origin: generated(32), rotationPeriod: '90d', owner: 'team-data-platform', criticality: 'critical', description: 'PostgreSQL superuser password' }),
    secret({ path: 'infrastructure/redis', keys: ['password'], origin: generated(32), rotationPeriod: '90d', owner: 'team-data-platform', criticality: 'standard', description: 'Redis password' }),
    secret({ path: 'infrastructure/grafana', keys: ['admin-user', 'admin-password'], origin: generated(32), rotationPeriod: '90d', owner: 'team-observability', criticality: 'standard', description: 'Grafana admin credentials' }),
    secret({ path: 'auth', keys: ['jwt-secret'], origin: generated(64), rotationPeriod: '30d', owner: 'team-identity', criticality: 'critical', description: 'JWT signing secret' }),
    secret({ path: 'encryption', keys: ['master-key', 'data-key'], origin: generated(48), rotationPeriod: '365d', owner: 'team-security', criticality: 'critical', description: 'Data encryption keys' }),
    secret({ path: 'payment-providers/stripe', keys: ['api-key', 'webhook-secret'], origin: { kind: 'external', source: 'Stripe dashboard' }, rotationPeriod: '365d', owner: 'team-payments', criticality: 'critical' }),
    secret({ path: 'payment-providers/paypal', keys: ['client-id', 'client-secret'], origin: { kind: 'external', source: 'PayPal developer portal' }, rotationPeriod: '365d', owner: 'team-payments', criticality: 'critical' }),
    secret({ path: 'payment-providers/plaid', keys: ['client-id', 'secret'], origin: { kind: 'external', source: 'Plaid dashboard' }, rotationPeriod: '365d', owner: 'team-payments', criticality: 'critical' }),
    secret({ path: 'monitoring/basic-auth', keys: ['username', 'password'], origin: generated(32), rotationPeriod: '90d', owner: 'team-observability', criticality: 'standard' }),
    secret({ path: 'monitoring/kibana-auth', keys: ['username', 'password'], origin: generated(32), rotationPeriod: '90d', owner: 'team-observability', criticality: 'standard' }),
    secret({ path: 'monitoring/jaeger-auth', keys: ['username', 'password'], origin: generated(32), rotationPeriod: '90d', owner: 'team-observability', criticality: 'standard' }),
    secret({ path: 'tls/production', keys: ['tls.crt', 'tls.key'], origin: { kind: 'external', source: 'certificate authority (public ingress certificate)' }, rotationPeriod: '90d', owner: 'team-platform', criticality: 'critical', description: 'Public TLS certificate for the API gateway' }),
    ...APP_SERVICES.map(dbSecret),
  ],
  services,
  // Rotation writes new versions and reads metadata (age, owner); it never reads a value. Permanent
  // deletion is the break-glass policy's alone.
  operatorPolicy: {
    name: 'waqiti-operator',
    holders: 'the CI rotation job',
    grants: [
      { path: 'waqiti/data/*', capabilities: ['create', 'update'] },
      { path: 'waqiti/metadata/*', capabilities: ['read', 'list'] },
    ],
  },
  breakGlassPolicy: {
    name: 'waqiti-break-glass',
    holders: 'platform on-call, in an emergency, with a second approver',
    grants: [
      { path: 'waqiti/data/*', capabilities: ['delete'] },
      { path: 'waqiti/delete/*', capabilities: ['update'] },
      { path: 'waqiti/undelete/*', capabilities: ['update'] },
      { path: 'waqiti/destroy/*', capabilities: ['update'] },
      { path: 'waqiti/metadata/*', capabilities: ['read', 'delete', 'list'] },
    ],
  },
  broadGrants: [],
  // The seed deploys the whole application with one chart into waqiti-system (`helm upgrade --install
  // waqiti-platform -n waqiti-system`); an inventory namespace must be where the workload runs, or its
  // SecretStore syncs into a namespace no pod reads. So the sharing is declared, and its blast radius
  // is flagged in the access report, until the workloads move to a namespace each (README, Security model).
  sharedNamespaces: [
    { namespace: NS, services: ['payment-service', 'wallet-service', 'user-service', 'banking-service', 'api-gateway'], justification: 'the seed deploys the application as one Helm release (waqiti-platform) into waqiti-system; splitting it is a change to that chart' },
    { namespace: 'waqiti-data', services: ['postgres', 'redis'], justification: 'the data stores are deployed together; their two infrastructure passwords are the whole blast radius' },
    { namespace: 'waqiti-monitoring', services: ['grafana', 'prometheus', 'kibana', 'jaeger'], justification: 'the observability stack is deployed together; only monitoring credentials are exposed' },
  ],
  environments: standardEnvironments({
    platform: 'waqiti',
    stateBucket: 'waqiti-terraform-state',
    awsAccountId: '111122223333',
    primaryRegion: 'eu-west-1',
    replicaRegions: ['eu-central-1', 'us-east-1'],
    oidcProviders: {
      dev: 'oidc.eks.eu-west-1.amazonaws.com/id/WAQITI-DEV',
      staging: 'oidc.eks.eu-west-1.amazonaws.com/id/WAQITI-STAGING',
      prod: 'oidc.eks.eu-west-1.amazonaws.com/id/WAQITI-PROD',
    },
    tokenTtl: '24h',
    refreshInterval: '15s',
    ciRepository: 'waqiti/platform-secrets',
  }),
};
