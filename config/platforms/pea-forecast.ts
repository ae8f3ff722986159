/**
 * PEA RE Forecast, an energy-forecasting platform. Source: `shared/seeds/002_*` ("Secrets
 * Management Strategy"). Paths and rotation periods follow the seed's inventory under
 * `secret/pea-forecast/`; workloads receive secrets from the Vault Agent Injector and the CSI provider.
 *
 * Where the seed binds one role `pea-forecast` to `default`, `backend` and `ml-service` in both
 * namespaces with one policy, this inventory gives `backend` and `ml-service` their own roles and
 * policies, and binds no `default` service account.
 */
import { standardEnvironments } from '../environments';
import type { PlatformConfig, SecretConfig, ServiceConfig } from '../schema';

const NS = 'pea-forecast-{env}';

/** The seed's Agent Injector template: a `DATABASE_URL` built from the secret's keys. */
const DATABASE_URL_TEMPLATE = [
  '{{- with secret "secret/data/pea-forecast/db" -}}',
  'DATABASE_URL=postgresql://{{ .Data.data.username }}:{{ .Data.data.password }}@timescaledb:5432/pea_forecast',
  '{{- end }}',
].join('\n');

const services: ServiceConfig[] = [
  {
    name: 'backend',
    namespace: NS,
    serviceAccounts: ['backend'],
    reads: ['pea-forecast/db', 'pea-forecast/redis', 'pea-forecast/keycloak', 'pea-forecast/jwt', 'pea-forecast/notifications'],
  },
  { name: 'ml-service', namespace: NS, serviceAccounts: ['ml-service'], reads: ['pea-forecast/mlflow', 'pea-forecast/api-keys'] },
];

const consumersOf = (path: string) => services.filter((s) => s.reads.includes(path)).map((s) => s.name);
const secret = (s: Omit<SecretConfig, 'consumers'>): SecretConfig => ({ ...s, consumers: consumersOf(s.path) });

export const peaForecast: PlatformConfig = {
  name: 'pea-forecast',
  displayName: 'PEA RE Forecast platform',
  kv: { mount: 'secret', maxVersions: 20, casRequired: false, deleteVersionAfter: '0s' },
  vault: {
    namespace: 'vault',
    // Consul over TLS (8501) with mutual TLS and an ACL token scoped to `vault/`; all three come
    // from Secrets in Vault's namespace that the Consul operator creates (README, "Consul storage").
    storage: {
      type: 'consul',
      address: 'consul-server.consul.svc:8501',
      path: 'vault/',
      security: {
        tls: { caSecret: 'consul-ca', clientCertSecret: 'vault-consul-client-tls' },
        aclTokenSecret: { name: 'vault-consul-acl-token', key: 'token' },
      },
    },
    injector: true,
    csi: true,
  },
  secrets: [
    secret({ path: 'pea-forecast/db', keys: ['username', 'password'], origin: { kind: 'external', source: 'PostgreSQL/TimescaleDB admin (rotation runbook: ALTER USER)' }, rotationPeriod: '90d', owner: 'team-backend', criticality: 'critical', delivery: ['injector', 'csi'], description: 'Database credentials', injectorTemplate: DATABASE_URL_TEMPLATE }),
    secret({ path: 'pea-forecast/api-keys', keys: ['tmd-weather-api-key'], origin: { kind: 'external', source: 'TMD Weather API portal' }, rotationPeriod: '365d', owner: 'team-ml', criticality: 'standard', delivery: ['injector'], description: 'Third-party API keys' }),
    secret({ path: 'pea-forecast/jwt', keys: ['private_key', 'public_key'], origin: { kind: 'external', source: 'RSA 4096 key pair generated offline (openssl genrsa)' }, rotationPeriod: '30d', owner: 'team-backend', criticality: 'critical', delivery: ['injector'], description: 'JWT signing keys' }),
    secret({ path: 'pea-forecast/keycloak', keys: ['client-id', 'client-secret'], origin: { kind: 'external', source: 'Keycloak admin console (client credentials)' }, rotationPeriod: '90d', owner: 'team-backend', criticality: 'critical', delivery: ['injector'], description: 'Keycloak client secrets' }),
    secret({ path: 'pea-forecast/notifications', keys: ['line-notify-token'], origin: { kind: 'external', source: 'LINE Notify' }, rotationPeriod: '365d', owner: 'team-backend', criticality: 'standard', delivery: ['injector'], description: 'Alert webhook token' }),
    secret({ path: 'pea-forecast/redis', keys: ['password'], origin: { kind: 'generated', length: 32, charset: 'alphanumeric', generation: 1 }, rotationPeriod: '90d', owner: 'team-backend', criticality: 'standard', delivery: ['injector'], description: 'Redis password' }),
    secret({ path: 'pea-forecast/mlflow', keys: ['tracking-username', 'tracking-password'], origin: { kind: 'generated', length: 32, charset: 'lowercase-alphanumeric', generation: 1 }, rotationPeriod: '90d', owner: 'team-ml', criticality: 'standard', delivery: ['csi'], description: 'MLflow tracking server credentials' }),
  ],
  services,
  // Rotation writes new versions and reads metadata (age, owner); it never reads a value. Permanent
  // deletion is the break-glass policy's alone.
  operatorPolicy: {
    name: 'pea-forecast-operator',
    holders: 'the CI rotation job',
    grants: [
      { path: 'secret/data/pea-forecast/*', capabilities: ['create', 'update'] },
      { path: 'secret/metadata/pea-forecast/*', capabilities: ['read', 'list'] },
    ],
  },
  breakGlassPolicy: {
    name: 'pea-forecast-break-glass',
    holders: 'platform on-call, in an emergency, with a second approver',
    grants: [
      { path: 'secret/data/pea-forecast/*', capabilities: ['delete'] },
      { path: 'secret/delete/pea-forecast/*', capabilities: ['update'] },
      { path: 'secret/undelete/pea-forecast/*', capabilities: ['update'] },
      { path: 'secret/destroy/pea-forecast/*', capabilities: ['update'] },
      { path: 'secret/metadata/pea-forecast/*', capabilities: ['read', 'delete', 'list'] },
    ],
  },
  broadGrants: [],
  // The seed runs backend and ml-service in pea-forecast-<env> (`kubectl rollout restart
  // deployment/backend -n pea-forecast-prod`); the sharing is declared and flagged (README, Security model).
  sharedNamespaces: [
    { namespace: NS, services: ['backend', 'ml-service'], justification: 'the seed runs backend and ml-service in one namespace per environment (pea-forecast-<env>)' },
  ],
  environments: standardEnvironments({
    platform: 'pea-forecast',
    stateBucket: 'pea-forecast-terraform-state',
    awsAccountId: '444455556666',
    primaryRegion: 'ap-southeast-1',
    replicaRegions: ['ap-southeast-7', 'ap-northeast-1'],
    oidcProviders: {
      dev: 'oidc.eks.ap-southeast-1.amazonaws.com/id/PEA-DEV',
      staging: 'oidc.eks.ap-southeast-1.amazonaws.com/id/PEA-STAGING',
      prod: 'oidc.eks.ap-southeast-1.amazonaws.com/id/PEA-PROD',
    },
    tokenTtl: '1h',
    refreshInterval: '1h',
    ciRepository: 'pea-re-forecast/platform-secrets',
  }),
};
