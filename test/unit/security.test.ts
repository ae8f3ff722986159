/**
 * The cluster-side findings of the security review (issue 11): one describe per finding, each
 * asserting the behaviour that closes it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { buildAccessReport, renderAccessMarkdown } from '../../config/access-report';
import { blastRadius, namespaceBlastRadius } from '../../config/blast-radius';
import { planPlatform } from '../../config/plan';
import { refreshLoad } from '../../config/refresh-load';
import { platformIssues } from '../../config/validate';
import { isProductionGrade } from '../../config/tier';
import { ESO_LEAST_PRIVILEGE_VALUES } from '../../constructs/external-secrets-operator';
import { vaultNetworkPolicyBody } from '../../constructs/network-policies';
import { reloaderEnv, reloaderScript } from '../../constructs/vault-reloader';
import { VaultSecretStore } from '../../constructs/vault-secret-store';
import { VaultSecretProviderClass, injectorAnnotations, injectorTokenVolume } from '../../constructs/workload-delivery';
import { clone, manifestsOf, platformNamed, resourcesOf, synthPlatform } from '../support/synth';

const waqiti = platformNamed('waqiti');
const pea = platformNamed('pea-forecast');
const issuesAfter = (base: typeof waqiti, mutate: (p: any) => void) => {
  const p = clone(base);
  mutate(p);
  return platformIssues(p);
};
const chartValues = (tf: Record<string, any>, chart: string) => JSON.parse(resourcesOf(tf, 'helm_release').find((r) => r.chart === chart)!.values[0]);

describe('tier', () => {
  it('treats staging and prod as production-grade unless productionGrade says otherwise', () => {
    expect(isProductionGrade('prod', waqiti.environments.prod)).toBe(true);
    expect(isProductionGrade('dev', waqiti.environments.dev)).toBe(false);
    expect(isProductionGrade('dev', { ...waqiti.environments.dev, productionGrade: true })).toBe(true);
    expect(isProductionGrade('prod', { ...waqiti.environments.prod, productionGrade: false })).toBe(false);
  });
});

describe('finding 1: namespace blast radius and shared namespaces', () => {
  it('computes the union of paths readable by every service account bound in a namespace', () => {
    const radius = blastRadius([
      { subject: 'a', namespaces: ['ns1'], serviceAccounts: ['a'], grants: [{ path: 'm/data/x', capabilities: ['read'] }] },
      { subject: 'b', namespaces: ['ns1'], serviceAccounts: ['b'], grants: [{ path: 'm/data/x', capabilities: ['read'] }, { path: 'm/data/y', capabilities: ['read', 'list'] }] },
      { subject: 'c', namespaces: ['ns2'], serviceAccounts: ['c'], grants: [{ path: 'm/data/z', capabilities: ['create'] }] },
    ]);
    expect(radius).toEqual([
      { namespace: 'ns1', subjects: ['a', 'b'], serviceAccounts: ['ns1/a', 'ns1/b'], paths: [{ path: 'm/data/x', capabilities: ['read'], via: ['a', 'b'] }, { path: 'm/data/y', capabilities: ['list', 'read'], via: ['b'] }], shared: true },
      { namespace: 'ns2', subjects: ['c'], serviceAccounts: ['ns2/c'], paths: [], shared: false },
    ]);
  });

  it("gives waqiti-system the union of its five services' secrets, including every payment provider", () => {
    const system = namespaceBlastRadius(planPlatform(waqiti, 'prod')).find((n) => n.namespace === 'waqiti-system')!;
    expect(system.subjects).toEqual(['api-gateway', 'banking-service', 'payment-service', 'user-service', 'wallet-service']);
    expect(system.paths.map((p) => p.path)).toEqual(expect.arrayContaining(['waqiti/data/payment-providers/stripe', 'waqiti/data/payment-providers/plaid', 'waqiti/data/tls/production']));
    expect(system.paths).toHaveLength(11);
    expect(system.justification).toMatch(/one Helm release/);
  });

  it('flags every shared namespace in the access report, with its blast radius table', () => {
    const report = buildAccessReport(planPlatform(pea, 'prod'));
    expect(report.flags).toEqual([expect.stringMatching(/^SHARED NAMESPACE: pea-forecast-prod holds backend, ml-service; a compromise of it exposes 7 paths \(the seed runs/)]);
    expect(report.namespaces.map((n) => [n.namespace, n.shared])).toEqual([['pea-forecast-prod', true], ['pea-forecast-secrets-backup', false]]);
    expect(renderAccessMarkdown(report)).toContain('## Blast radius per namespace');
  });

  it('requires one service per namespace in production-grade environments unless the sharing is declared', () => {
    const issues = issuesAfter(pea, (p) => (p.sharedNamespaces = []));
    expect(issues.map((i) => [i.path, i.message])).toEqual([
      ['services[1].namespace', expect.stringMatching(/namespace "pea-forecast-staging" \(in staging\) is shared by backend, ml-service/)],
      ['services[1].namespace', expect.stringMatching(/namespace "pea-forecast-prod" \(in prod\) is shared by backend, ml-service/)],
    ]);
    const devToo = issuesAfter(pea, (p) => { p.sharedNamespaces = []; p.environments.dev.productionGrade = true; }).filter((i) => i.path === 'services[1].namespace');
    expect(devToo.map((i) => /\(in (\w+)\)/.exec(i.message)![1])).toEqual(['dev', 'staging', 'prod']);
  });

  it('rejects a declaration that misses a service, names a stranger, or is stale', () => {
    expect(issuesAfter(waqiti, (p) => p.sharedNamespaces[0].services.pop())).toContainEqual(expect.objectContaining({ path: 'sharedNamespaces[0].services', message: expect.stringMatching(/also holds api-gateway/) }));
    expect(issuesAfter(waqiti, (p) => p.sharedNamespaces[1].services.push('grafana'))).toContainEqual(expect.objectContaining({ path: 'sharedNamespaces[1].services[2]', message: expect.stringMatching(/runs in "waqiti-monitoring"/) }));
    expect(issuesAfter(waqiti, (p) => { p.services.find((s: any) => s.name === 'redis').namespace = 'waqiti-redis'; })).toContainEqual(expect.objectContaining({ path: 'sharedNamespaces[1]', message: expect.stringMatching(/holds 1 service/) }));
  });

  it('never binds a service in the Vault, ESO or backup namespace', () => {
    expect(issuesAfter(waqiti, (p) => (p.services[7].namespace = 'waqiti-secrets-backup'))).toContainEqual(expect.objectContaining({ path: 'services[7].namespace', message: expect.stringMatching(/backup namespace/) }));
    expect(issuesAfter(waqiti, (p) => (p.services[7].namespace = 'vault'))).toContainEqual(expect.objectContaining({ path: 'services[7].namespace', message: expect.stringMatching(/Vault's namespace/) }));
  });
});

describe('finding 4: NetworkPolicies', () => {
  it('lets 8200 in only from consuming and monitoring namespaces, and 8201 only among server pods', () => {
    const policy = manifestsOf(synthPlatform(pea, 'prod').stacks.cluster.tf).find((m) => m.kind === 'NetworkPolicy' && m.metadata.name === 'vault-server')!;
    expect(policy.spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'vault', component: 'server' });
    const [api, cluster] = policy.spec.ingress;
    expect(api.ports).toEqual([{ protocol: 'TCP', port: 8200 }]);
    expect(api.from[0].namespaceSelector.matchExpressions[0]).toEqual({ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['external-secrets-system', 'monitoring', 'pea-forecast-prod'] });
    expect(api.from.slice(1)).toEqual([{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'vault', component: 'server' } } }, { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'vault-csi-provider' } } }]);
    expect(cluster).toEqual({ from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'vault', component: 'server' } } }], ports: [{ protocol: 'TCP', port: 8201 }] });
  });

  it('refuses a Vault policy with no client namespace (it would lock every consumer out)', () => {
    expect(() => vaultNetworkPolicyBody({ namespace: 'vault', clientNamespaces: [], monitoringNamespaces: [], csi: false })).toThrow(/at least one namespace/);
  });

  it('denies everything in the ESO namespace but DNS, Vault, and 443 egress; metrics and webhook ingress', () => {
    const eso = manifestsOf(synthPlatform(waqiti, 'prod').stacks.cluster.tf).find((m) => m.kind === 'NetworkPolicy' && m.metadata.namespace === 'external-secrets-system')!;
    expect(eso.spec.podSelector).toEqual({});
    expect(eso.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(eso.spec.egress.map((r: any) => r.ports.map((p: any) => p.port))).toEqual([[53, 53], [8200], [443]]);
    expect(eso.spec.ingress.map((r: any) => r.ports[0].port)).toEqual([10250, 8080]);
  });

  it('denies all ingress and egress in the backup namespace', () => {
    const deny = manifestsOf(synthPlatform(waqiti, 'prod').stacks.sync.tf).find((m) => m.kind === 'NetworkPolicy')!;
    // No rule lists at all: with both policy types that denies everything (an empty list would be
    // dropped by the API server and break kubernetes_manifest's apply).
    expect(deny).toMatchObject({ metadata: { name: 'default-deny', namespace: 'waqiti-secrets-backup' } });
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });

  it('refuses to turn NetworkPolicies off in production-grade environments, or unauthenticated metrics without them', () => {
    const issues = issuesAfter(waqiti, (p) => (p.environments.prod.security = { networkPolicies: false }));
    expect(issues.map((i) => i.path)).toEqual(['environments.prod.security.networkPolicies']);
    const dev = issuesAfter(waqiti, (p) => (p.environments.dev.security = { networkPolicies: false, unauthenticatedMetrics: true }));
    expect(dev.map((i) => i.path)).toEqual(['environments.dev.security.unauthenticatedMetrics']);
  });
});

describe('finding 5: audit', () => {
  it('alerts on audit volume usage', () => {
    const rule = manifestsOf(synthPlatform(waqiti, 'prod').stacks.cluster.tf).find((m) => m.kind === 'PrometheusRule')!;
    const volume = rule.spec.groups[0].rules.find((r: any) => r.alert === 'VaultAuditVolumeFilling');
    expect(volume.expr).toContain('kubelet_volume_stats_used_bytes{namespace="vault",persistentvolumeclaim=~"audit-vault-[0-9]+"}');
    expect(volume.expr).toMatch(/\* 100 > 80$/);
  });

  it('rejects a rotation that cannot fit the audit volume below the alert threshold', () => {
    const issues = issuesAfter(waqiti, (p) => (p.environments.dev.security = { audit: { rotateAtMiB: 2048, keep: 5 } }));
    expect(issues).toEqual([expect.objectContaining({ path: 'environments.dev.security.audit', message: expect.stringMatching(/need 12288 MiB/) })]);
  });
});

describe('findings 5 and 10: the reloader sidecar, run for real', () => {
  const hasTools = ['pidof', 'md5sum', 'stat'].every((t) => existsSync(`/usr/bin/${t}`) || existsSync(`/bin/${t}`));
  it('rotates the audit file and sends SIGHUP to vault when the certificate changes', async () => {
    expect(hasTools).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'vsp-reloader-'));
    const fakeVault = join(dir, 'vault');
    writeFileSync(join(dir, 'vault.sh'), 'trap "echo hup >> $0.hups" HUP\nwhile true; do sleep 0.1; done\n');
    copyFileSync('/bin/sh', fakeVault);
    const vault = spawn(fakeVault, [join(dir, 'vault.sh')], { stdio: 'ignore' });
    const cert = join(dir, 'tls.crt');
    const audit = join(dir, 'audit.log');
    writeFileSync(cert, 'first');
    writeFileSync(audit, 'x'.repeat(100));
    const env = { ...process.env, PATH: `${dir}:${process.env.PATH}`, ...reloaderEnv({ certFile: cert, auditFile: audit, rotateAtBytes: 50, keep: 2, intervalSeconds: 1 }) };
    const reloader = spawn('/bin/sh', ['-c', reloaderScript()], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    reloader.stdout.on('data', (d) => (out += d));
    const until = async (check: () => boolean) => {
      for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 100));
    };
    try {
      await until(() => existsSync(`${audit}.1`));
      expect(readFileSync(`${audit}.1`, 'utf8')).toHaveLength(100);
      expect(out).toContain('audit file rotated');
      writeFileSync(cert, 'renewed');
      await until(() => out.includes('certificate changed'));
      expect(out).toMatch(/SIGHUP to vault \(certificate changed\)/);
      await until(() => existsSync(join(dir, 'vault.sh.hups')));
      expect(readFileSync(join(dir, 'vault.sh.hups'), 'utf8')).toContain('hup');
      expect(statSync(`${audit}.1`).size).toBe(100);
    } finally {
      reloader.kill();
      vault.kill();
    }
    execFileSync('rm', ['-rf', dir]);
  }, 30000);
});

describe('finding 6: SecretStores trust only the published CA certificate', () => {
  it('publishes ca.crt in a ConfigMap in each consuming namespace and references it, never vault-tls', () => {
    const manifests = manifestsOf(synthPlatform(waqiti, 'prod').stacks.sync.tf);
    const stores = manifests.filter((m) => m.kind === 'SecretStore' && m.spec.provider.vault);
    expect(stores.length).toBeGreaterThan(5);
    for (const s of stores) expect(s.spec.provider.vault.caProvider).toEqual({ type: 'ConfigMap', name: 'vault-ca', key: 'ca.crt' });
    const cas = manifests.filter((m) => m.kind === 'ConfigMap' && m.metadata.name === 'vault-ca');
    expect(cas.map((c) => c.metadata.namespace).sort()).toEqual(['waqiti-data', 'waqiti-monitoring', 'waqiti-secrets-backup', 'waqiti-system']);
    for (const c of cas) expect(c.data).toEqual({ 'ca.crt': '${var.vault_ca_cert}' });
    expect(JSON.stringify(manifests)).not.toContain('vault-tls');
  });

  it('refuses an https SecretStore without a CA', () => {
    expect(() => Testing.synthScope((s) => new VaultSecretStore(s, 'x', { name: 'x', namespace: 'n', vaultServer: 'https://vault:8200', mount: 'm', authMountPath: 'kubernetes', role: 'r', serviceAccount: 'sa', audience: 'vault' }))).toThrow(/'caConfigMapName' is required/);
  });
});

describe('finding 7: injector and CSI carry the CA and the vault audience', () => {
  const base = { name: 'spc', namespace: 'n', vaultAddress: 'https://vault.vault.svc:8200', role: 'r', mount: 'secret', authMountPath: 'kubernetes', secrets: [{ path: 'p', slug: 'p', keys: ['k'] }] };
  it('fails without the CA or without the audience on a SecretProviderClass', () => {
    expect(() => Testing.synthScope((s) => new VaultSecretProviderClass(s, 'a', { ...base, audience: 'vault' }))).toThrow(/'caCertPath' is required/);
    expect(() => Testing.synthScope((s) => new VaultSecretProviderClass(s, 'b', { ...base, audience: '', caCertPath: '/vault/ca/ca.crt' }))).toThrow(/'audience' is required/);
  });

  it('wires the CA path and the audience into PEA\'s SecretProviderClasses, and mounts only ca.crt into the CSI provider', () => {
    const { stacks } = synthPlatform(pea, 'prod');
    for (const spc of manifestsOf(stacks.sync.tf).filter((m) => m.kind === 'SecretProviderClass')) {
      expect(spc.spec.parameters).toMatchObject({ audience: 'vault', vaultCACertPath: '/vault/ca/ca.crt' });
    }
    const csi = chartValues(stacks.cluster.tf, 'vault').csi;
    expect(csi.volumes).toEqual([{ name: 'vault-ca', secret: { secretName: 'vault-tls', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }]);
    expect(csi.agent.enabled).toBe(false);
  });

  it('gives the injector the CA and the agents a projected vault-audience token', () => {
    const { stacks } = synthPlatform(pea, 'prod');
    const values = resourcesOf(stacks.cluster.tf, 'helm_release').find((r) => r.chart === 'vault')!.values[0] as string;
    expect(values).toContain('"AGENT_INJECT_VAULT_CACERT_BYTES":"${base64encode(var.vault_ca_cert)}"');
    const annotations = stacks.sync.tf.output['injector-annotations-backend'].value;
    expect(annotations['vault.hashicorp.com/agent-service-account-token-volume-name']).toBe('vault-token');
    expect(annotations['vault.hashicorp.com/tls-skip-verify']).toBe('false');
    expect(stacks.sync.tf.output['injector-token-volume-backend'].value).toEqual(injectorTokenVolume('vault'));
    expect(injectorTokenVolume('vault')).toEqual({ name: 'vault-token', projected: { sources: [{ serviceAccountToken: { path: 'token', audience: 'vault', expirationSeconds: 600 } }] } });
    expect(injectorAnnotations({ mount: 'm', role: 'r', secrets: [] })['vault.hashicorp.com/agent-service-account-token-volume-name']).toBe('vault-token');
  });
});

describe('finding 10: certificate renewal', () => {
  it('runs the reloader beside Vault in a shared process namespace, watching the served certificate', () => {
    const server = chartValues(synthPlatform(waqiti, 'prod').stacks.cluster.tf, 'vault').server;
    expect(server.shareProcessNamespace).toBe(true);
    const [reloader] = server.extraContainers;
    expect(reloader.name).toBe('reloader');
    expect(reloader.env).toContainEqual({ name: 'CERT_FILE', value: '/vault/userconfig/vault-tls/tls.crt' });
    expect(reloader.securityContext).toMatchObject({ runAsUser: 100, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  });

  it('probes the certificate each Vault pod serves and alerts on its expiry and on a stale one', () => {
    const manifests = manifestsOf(synthPlatform(waqiti, 'prod').stacks.cluster.tf);
    const probe = manifests.find((m) => m.kind === 'Probe')!;
    expect(probe.spec.targets.staticConfig.static).toEqual([0, 1, 2, 3, 4].map((i) => `vault-${i}.vault-internal.vault.svc:8200`));
    const alerts = manifests.find((m) => m.kind === 'PrometheusRule')!.spec.groups[0].rules.map((r: any) => r.alert);
    expect(alerts).toEqual(expect.arrayContaining(['VaultServedCertificateExpiringSoon', 'VaultServingStaleCertificate', 'VaultCertificateProbeFailing']));
  });
});

describe('finding 11: the backup namespace', () => {
  it('is restricted, allows no pods, and automounts no service account token', () => {
    const tf = synthPlatform(waqiti, 'prod').stacks.sync.tf;
    const ns = resourcesOf(tf, 'kubernetes_namespace')[0];
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(manifestsOf(tf).find((m) => m.kind === 'ResourceQuota')).toMatchObject({ metadata: { namespace: 'waqiti-secrets-backup' }, spec: { hard: { pods: '0' } } });
    const sas = resourcesOf(tf, 'kubernetes_service_account');
    expect(sas).toHaveLength(2);
    for (const sa of sas) expect(sa.automount_service_account_token).toBe(false);
  });
});

describe('finding 12: ESO without cluster-wide powers', () => {
  it('turns off cluster kinds, aggregation and cluster-wide token creation in the chart', () => {
    const values = chartValues(synthPlatform(waqiti, 'prod').stacks.cluster.tf, 'external-secrets');
    expect(values).toMatchObject(ESO_LEAST_PRIVILEGE_VALUES);
    expect(values.rbac).toMatchObject({ aggregateToView: false, aggregateToEdit: false, serviceAccountTokenCreate: false });
    expect(values.processClusterStore).toBe(false);
  });

  it('grants token creation per namespace, for exactly the service accounts of its SecretStores', () => {
    const manifests = manifestsOf(synthPlatform(waqiti, 'prod').stacks.sync.tf);
    const roles = manifests.filter((m) => m.kind === 'Role');
    const byNs = Object.fromEntries(roles.map((r) => [r.metadata.namespace, r.rules]));
    expect(byNs['waqiti-data']).toEqual([{ apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'], resourceNames: ['postgres', 'redis'] }]);
    expect(byNs['waqiti-secrets-backup'][0].resourceNames).toEqual(['backup-pusher', 'backup-reader']);
    const binding = manifests.find((m) => m.kind === 'RoleBinding' && m.metadata.namespace === 'waqiti-data')!;
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'external-secrets', namespace: 'external-secrets-system' }]);
  });
});

describe('finding 13: hardened containers, Pod Security, metrics, UI, tokens', () => {
  it('hardens the Vault server and CSI containers and sets requests and limits', () => {
    const values = chartValues(synthPlatform(pea, 'prod').stacks.cluster.tf, 'vault');
    for (const container of [values.server.statefulSet.securityContext.container, values.csi.daemonSet.securityContext.container]) {
      expect(container).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
    }
    expect(values.server.statefulSet.securityContext.pod.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(values.server.resources).toEqual({ requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } });
    expect(values.csi.resources.limits).toEqual({ cpu: '200m', memory: '128Mi' });
    expect(values.server.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
  });

  it('labels the platform namespaces for Pod Security', () => {
    const labels = (platform: typeof waqiti) =>
      Object.fromEntries(resourcesOf(synthPlatform(platform, 'prod').stacks.cluster.tf, 'kubernetes_namespace').map((n) => [n.metadata.name, n.metadata.labels['pod-security.kubernetes.io/enforce']]));
    expect(labels(waqiti)).toEqual({ vault: 'restricted', 'external-secrets-system': 'restricted' });
    expect(labels(pea)).toEqual({ vault: 'privileged', 'external-secrets-system': 'restricted' });
  });

  it('turns the UI off in prod and refuses it there; keeps unauthenticated metrics only behind the policy', () => {
    const prod = chartValues(synthPlatform(waqiti, 'prod').stacks.cluster.tf, 'vault');
    expect(prod.ui.enabled).toBe(false);
    expect(prod.server.ha.raft.config).toContain('ui = false');
    expect(prod.server.ha.raft.config).toContain('unauthenticated_metrics_access = true');
    expect(chartValues(synthPlatform(waqiti, 'dev').stacks.cluster.tf, 'vault').server.ha.raft.config).toContain('ui = true');
    expect(issuesAfter(waqiti, (p) => (p.environments.prod.security = { ui: true })).map((i) => i.path)).toEqual(['environments.prod.security.ui']);
  });

  it('chooses token TTLs per consumer: short for ESO and CSI, the environment\'s for injected agents', () => {
    const roles = Object.fromEntries(resourcesOf(synthPlatform(pea, 'prod').stacks['vault-config'].tf, 'vault_kubernetes_auth_backend_role').map((r) => [r.role_name, r]));
    expect(roles['pea-forecast-backend']).toMatchObject({ token_type: 'service', token_ttl: 3600, token_max_ttl: 86400 });
    expect(roles['pea-forecast-backup-reader']).toMatchObject({ token_type: 'service', token_ttl: 600, token_max_ttl: 600 });
    const waqitiRoles = resourcesOf(synthPlatform(waqiti, 'prod').stacks['vault-config'].tf, 'vault_kubernetes_auth_backend_role');
    for (const r of waqitiRoles.filter((x) => x.role_name !== 'waqiti-vault-snapshot')) expect([r.token_ttl, r.token_max_ttl]).toEqual([600, 600]);
    // The storage snapshot job's role (issue 11, finding 9): one snapshot per token.
    expect(waqitiRoles.find((x) => x.role_name === 'waqiti-vault-snapshot')).toMatchObject({ token_ttl: 600, token_max_ttl: 900 });
    const override = clone(waqiti);
    override.services[0].token = { type: 'batch', ttl: '5m' };
    expect(planPlatform(override, 'prod').services[0].role).toMatchObject({ tokenType: 'batch', tokenTtlSeconds: 300, tokenMaxTtlSeconds: 300 });
  });
});

describe('finding 13: the refresh interval\'s load on Vault', () => {
  it('counts logins, requests and worst-case live tokens from the plan', () => {
    const prod = refreshLoad(planPlatform(waqiti, 'prod'));
    const plan = planPlatform(waqiti, 'prod');
    const es = plan.syncs.length + plan.backup!.secrets.length;
    expect(prod.externalSecrets).toBe(es);
    expect(prod.refreshSeconds).toBe(15);
    expect(prod.loginsPerSecond).toBeCloseTo(es / 15, 2);
    expect(prod.worstCaseLiveTokens).toBe(es * 40);
    expect(refreshLoad(planPlatform(pea, 'prod')).loginsPerSecond).toBeCloseTo(3 / 3600, 4);
  });
});
