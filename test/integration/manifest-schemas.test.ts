/**
 * Every Kubernetes object the stacks emit is checked against its CRD's OpenAPI schema, read at test
 * time from the Go module zips that scripts/toolchain.sh downloads (never copied into the repo).
 */
import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadToolchainEnv } from '../../scripts/lib/toolchain-env';
import { PLATFORMS } from '../../config/platforms';
import { manifestsOf, synthPlatform } from '../support/synth';

const env = loadToolchainEnv();
const CRD_FILES = [
  join(env.VSP_CRD_ESO_DIR, 'config/crds/bases/external-secrets.io_externalsecrets.yaml'),
  join(env.VSP_CRD_ESO_DIR, 'config/crds/bases/external-secrets.io_secretstores.yaml'),
  join(env.VSP_CRD_ESO_DIR, 'config/crds/bases/external-secrets.io_pushsecrets.yaml'),
  join(env.VSP_CRD_PROMETHEUS_DIR, 'example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml'),
  join(env.VSP_CRD_PROMETHEUS_DIR, 'example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml'),
  join(env.VSP_CRD_PROMETHEUS_DIR, 'example/prometheus-operator-crd/monitoring.coreos.com_probes.yaml'),
  join(env.VSP_CRD_CSI_DIR, 'config/crd/bases/secrets-store.csi.x-k8s.io_secretproviderclasses.yaml'),
  join(env.VSP_CRD_CERT_MANAGER_DIR, 'deploy/crds/cert-manager.io_certificates.yaml'),
];

const jsRegex = (pattern: string) => {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
};

/**
 * Drops the Kubernetes extensions (x-kubernetes-*) that plain JSON Schema does not know, and the
 * few Go-only regex patterns (such as `(?i)`) that JavaScript cannot compile.
 */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k.startsWith('x-kubernetes-') || (k === 'pattern' && typeof v === 'string' && !jsRegex(v))) continue;
    out[k] = toJsonSchema(v);
  }
  if ((node as Record<string, unknown>)['x-kubernetes-int-or-string']) return { anyOf: [{ type: 'integer' }, { type: 'string' }] };
  return out;
}

/** `apiVersion/kind` → a compiled validator, for every served version of every CRD. */
const validators = new Map<string, ReturnType<Ajv['compile']>>();
const ajv = new Ajv({ strict: false, allErrors: true });
for (const file of CRD_FILES) {
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    const crd = doc.toJS();
    if (crd?.kind !== 'CustomResourceDefinition') continue;
    for (const v of crd.spec.versions.filter((x: { served: boolean }) => x.served)) {
      validators.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, ajv.compile(toJsonSchema(v.schema.openAPIV3Schema) as object));
    }
  }
}

const manifests = PLATFORMS.flatMap((p) =>
  Object.keys(p.environments).flatMap((env) =>
    Object.values(synthPlatform(p, env).stacks).flatMap((s) => manifestsOf(s.tf).map((m) => ({ where: `${s.name}: ${m.kind}/${m.metadata.name}`, m }))),
  ),
);

describe('CRD schemas', () => {
  it('loads the schemas of every kind the stacks emit', () => {
    for (const key of ['external-secrets.io/v1/ExternalSecret', 'external-secrets.io/v1/SecretStore', 'external-secrets.io/v1alpha1/PushSecret', 'monitoring.coreos.com/v1/PrometheusRule', 'monitoring.coreos.com/v1/ServiceMonitor', 'monitoring.coreos.com/v1/Probe', 'secrets-store.csi.x-k8s.io/v1/SecretProviderClass', 'cert-manager.io/v1/Certificate']) {
      expect(validators.has(key)).toBe(true);
    }
    expect(validators.has('external-secrets.io/v1beta1/ExternalSecret')).toBe(false);
  });

  it('rejects a malformed ExternalSecret (the check can fail)', () => {
    const validate = validators.get('external-secrets.io/v1/ExternalSecret')!;
    expect(validate({ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'x' }, spec: { target: { creationPolicy: 'Sometimes' } } })).toBe(false);
  });

  it('covers the Certificate of every environment that takes its TLS from cert-manager', () => {
    expect(manifests.filter(({ m }) => m.kind === 'Certificate').length).toBeGreaterThan(0);
  });

  // Built-in kinds (ConfigMap, ResourceQuota, ServiceAccount, CronJob, NetworkPolicy, Role,
  // RoleBinding) have no CRD: a real API server checks them (test/integration/cluster-hardening.test.ts
  // and the server-side dry run in manifests-on-apiserver.test.ts).
  const BUILT_IN = new Set(['v1', 'batch/v1', 'networking.k8s.io/v1', 'rbac.authorization.k8s.io/v1']);
  const checked = manifests.filter(({ m }) => !BUILT_IN.has(String(m.apiVersion)));
  it('leaves only built-in kinds to the API server', () => {
    const skipped = new Set(manifests.filter(({ m }) => BUILT_IN.has(String(m.apiVersion))).map(({ m }) => `${m.apiVersion}/${m.kind}`));
    expect([...skipped].sort()).toEqual([
      'batch/v1/CronJob',
      'networking.k8s.io/v1/NetworkPolicy',
      'rbac.authorization.k8s.io/v1/Role',
      'rbac.authorization.k8s.io/v1/RoleBinding',
      'v1/ConfigMap',
      'v1/ResourceQuota',
      'v1/ServiceAccount',
    ]);
  });

  it.each(checked.map((c) => [c.where, c.m]))('%s matches its CRD', (_where, m) => {
    const [group, version] = String(m.apiVersion).split('/');
    const validate = validators.get(`${group}/${version}/${m.kind}`);
    expect(validate).toBeDefined();
    const ok = validate!(m);
    expect(ok ? [] : validate!.errors).toEqual([]);
  });
});
