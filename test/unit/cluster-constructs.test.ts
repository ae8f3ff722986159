import { TerraformStack, Testing } from 'cdktf';
import { KubernetesObject, MANAGED_BY, withoutEmptyLists } from '../../constructs/kubernetes-object';
import { ExternalSecret } from '../../constructs/external-secret';
import { VaultSecretStore } from '../../constructs/vault-secret-store';
import { renderVaultServerConfig } from '../../constructs/vault-server-config';
import { VaultServer } from '../../constructs/vault-server';
import { injectorAnnotations } from '../../constructs/workload-delivery';

const serverProps = {
  namespace: 'vault',
  replicas: 3,
  storage: { type: 'raft' as const },
  dataSize: '10Gi',
  auditSize: '5Gi',
  tls: { source: 'cert-manager' as const, issuer: { name: 'vault-ca', kind: 'ClusterIssuer' as const } },
  seal: { type: 'awskms' as const, region: 'eu-west-1', kmsKeyId: 'key-id-ref' },
  serviceAccountRoleArn: 'arn:aws:iam::111122223333:role/vault-unseal',
  injector: true,
  csi: false,
  hardening: { injectorCaCertBase64: 'Q0EgY2VydGlmaWNhdGU=' },
};

describe('Vault server configuration', () => {
  it('renders raft with one retry_join per peer, TLS listener, awskms seal and telemetry, deterministically', () => {
    const hcl = renderVaultServerConfig({ storage: { type: 'raft', peers: ['vault-0', 'vault-1', 'vault-2'], internalService: 'vault-internal' }, seal: serverProps.seal, tlsDir: '/tls' });
    expect(hcl).toBe(renderVaultServerConfig({ storage: { type: 'raft', peers: ['vault-0', 'vault-1', 'vault-2'], internalService: 'vault-internal' }, seal: serverProps.seal, tlsDir: '/tls' }));
    expect(hcl.match(/retry_join \{/g)).toHaveLength(3);
    expect(hcl).toContain('leader_api_addr = "https://vault-2.vault-internal:8200"');
    expect(hcl).toContain('seal "awskms" {\n  region = "eu-west-1"\n  kms_key_id = "key-id-ref"\n}');
    expect(hcl).toContain('tls_cert_file = "/tls/tls.crt"');
    expect(hcl).toContain('prometheus_retention_time = "30s"');
    expect(hcl).not.toContain('tls_disable');
  });

  it('renders consul storage when asked', () => {
    const hcl = renderVaultServerConfig({ storage: { type: 'consul', address: 'consul:8500', path: 'vault/' }, seal: { type: 'shamir' } });
    expect(hcl).toContain('storage "consul" {\n  address = "consul:8500"\n  path = "vault/"');
    expect(hcl).not.toContain('seal "');
    expect(hcl).toContain('tls_disable = true');
  });
});

describe('VaultServer', () => {
  const build = (overrides: Partial<typeof serverProps> = {}) => {
    let server!: VaultServer;
    const synth = Testing.synthScope((s) => {
      server = new VaultServer(s, 'vault', { ...serverProps, ...overrides } as never);
    });
    return { server, tf: JSON.parse(synth) };
  };

  it('installs the pinned official chart', () => {
    const release = Object.values(build().tf.resource.helm_release)[0] as Record<string, unknown>;
    expect(release).toMatchObject({ chart: 'vault', repository: 'https://helm.releases.hashicorp.com', version: '0.31.0', namespace: 'vault' });
  });

  it('runs HA raft with anti-affinity, a PodDisruptionBudget, data and audit volumes', () => {
    const v = build().server.values as any;
    expect(v.server.ha).toMatchObject({ enabled: true, replicas: 3, disruptionBudget: { enabled: true, maxUnavailable: 1 }, raft: { enabled: true, setNodeId: true } });
    expect(v.server.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey).toBe('kubernetes.io/hostname');
    expect(v.server.dataStorage).toEqual({ enabled: true, size: '10Gi' });
    expect(v.server.auditStorage).toEqual({ enabled: true, size: '5Gi' });
    expect(v.server.ha.raft.config).toContain('retry_join');
  });

  it('annotates the service account with the unseal role and mounts the TLS secret', () => {
    const v = build().server.values as any;
    expect(v.server.serviceAccount.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/vault-unseal' });
    expect(v.server.volumes[0]).toEqual({ name: 'vault-tls', secret: { secretName: 'vault-tls' } });
    expect(v.global.tlsDisable).toBe(false);
  });

  it('requests the certificate from cert-manager', () => {
    const manifests = Object.values(build().tf.resource.kubernetes_manifest).map((r: any) => r.manifest);
    expect(manifests).toHaveLength(1);
    expect(manifests[0]).toMatchObject({ kind: 'Certificate', spec: { secretName: 'vault-tls', issuerRef: { name: 'vault-ca', kind: 'ClusterIssuer' } } });
  });

  it('switches the injector and CSI provider independently', () => {
    const v = build({ injector: false, csi: true }).server.values as any;
    expect(v.injector.enabled).toBe(false);
    expect(v.csi.enabled).toBe(true);
  });

  it('rejects an even raft replica count and awskms without a role', () => {
    expect(() => build({ replicas: 4 })).toThrow(/must be odd/);
    expect(() => build({ serviceAccountRoleArn: undefined as never })).toThrow(/'serviceAccountRoleArn' is required/);
  });
});

describe('ESO objects', () => {
  it('logs a SecretStore in as the service, through its own role and service account', () => {
    let store!: VaultSecretStore;
    Testing.synthScope((s) => {
      store = new VaultSecretStore(s, 'store', { name: 'vault-grafana', namespace: 'waqiti-monitoring', vaultServer: 'https://vault.vault.svc:8200', mount: 'waqiti', authMountPath: 'kubernetes', role: 'waqiti-grafana', serviceAccount: 'grafana', audience: 'vault', caConfigMapName: 'vault-ca' });
    });
    expect(store.body).toMatchObject({
      apiVersion: 'external-secrets.io/v1',
      kind: 'SecretStore',
      spec: { provider: { vault: { path: 'waqiti', version: 'v2', auth: { kubernetes: { role: 'waqiti-grafana', serviceAccountRef: { name: 'grafana', audiences: ['vault'] } } } } } },
    });
  });

  it('writes an ExternalSecret with the refresh interval, target name and explicit policies', () => {
    let es!: ExternalSecret;
    Testing.synthScope((s) => {
      es = new ExternalSecret(s, 'es', { name: 'grafana-infrastructure-grafana', namespace: 'waqiti-monitoring', storeName: 'vault-grafana', path: 'infrastructure/grafana', keys: ['admin-user', 'admin-password'], refreshInterval: '15s' });
    });
    expect(es.body.spec).toMatchObject({
      refreshInterval: '15s',
      secretStoreRef: { kind: 'SecretStore', name: 'vault-grafana' },
      target: { name: 'grafana-infrastructure-grafana', creationPolicy: 'Owner', deletionPolicy: 'Retain' },
      data: [
        { secretKey: 'admin-user', remoteRef: { key: 'infrastructure/grafana', property: 'admin-user' } },
        { secretKey: 'admin-password', remoteRef: { key: 'infrastructure/grafana', property: 'admin-password' } },
      ],
    });
  });
});

describe('Agent Injector annotations', () => {
  it('renders the seed DATABASE_URL template and a default KEY=value template', () => {
    const a = injectorAnnotations({
      mount: 'secret',
      role: 'pea-forecast-backend',
      secrets: [
        { path: 'pea-forecast/db', slug: 'pea-forecast-db', keys: ['username', 'password'], template: 'DATABASE_URL=postgresql://{{ .Data.data.username }}' },
        { path: 'pea-forecast/redis', slug: 'pea-forecast-redis', keys: ['password'] },
      ],
    });
    expect(a['vault.hashicorp.com/agent-inject']).toBe('true');
    expect(a['vault.hashicorp.com/role']).toBe('pea-forecast-backend');
    expect(a['vault.hashicorp.com/agent-inject-secret-pea-forecast-db']).toBe('secret/data/pea-forecast/db');
    expect(a['vault.hashicorp.com/agent-inject-template-pea-forecast-db']).toBe('DATABASE_URL=postgresql://{{ .Data.data.username }}');
    expect(a['vault.hashicorp.com/agent-inject-template-pea-forecast-redis']).toBe('{{- with secret "secret/data/pea-forecast/redis" -}}\nPASSWORD={{ index .Data.data "password" }}\n{{- end }}');
  });
});

describe('KubernetesObject', () => {
  it('leaves out empty lists at any depth (the API server drops them) and keeps empty objects', () => {
    expect(withoutEmptyLists({ spec: { podSelector: {}, ingress: [], rules: [{ from: [], ports: [{ port: 1 }] }], names: ['a'] } })).toEqual({
      spec: { podSelector: {}, rules: [{ ports: [{ port: 1 }] }], names: ['a'] },
    });
  });

  it('applies the body without empty lists, with the managed-by label', () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    const o = new KubernetesObject(stack, 'deny', { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny', namespace: 'ns' }, spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [] } });
    const manifest = Object.values<any>(JSON.parse(Testing.synth(stack)).resource.kubernetes_manifest)[0].manifest;
    expect(manifest).toEqual({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny', namespace: 'ns', labels: { ...MANAGED_BY } }, spec: { podSelector: {}, policyTypes: ['Ingress'] } });
    expect(o.body.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
  });
});
