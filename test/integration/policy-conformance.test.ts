/**
 * Policy conformance on a REAL OpenBao.
 *
 * For each reference platform (environment `local`) this synthesizes the vault-config stack and
 * applies what its JSON declares (the KV v2 mount and its engine config, the ACL policies, the
 * Kubernetes auth method, its config and roles) to a fresh OpenBao 2.6 through the HTTP API with
 * the root token, writes a random dummy value into every secret path of the inventory, and then,
 * with a token holding exactly each role's policies, proves that OpenBao allows and denies exactly
 * what the plan (config/plan.ts, i.e. the inventory) says: real reads of every path,
 * `sys/capabilities-self`, metadata, writes and `sys/policies/acl`. It also reads the roles back.
 *
 * So this checks the rendered policy HCL and role bindings as OpenBao evaluates them, not as we
 * think it would. It is not a `tofu apply`: it checks the JSON's meaning independently of the vault
 * provider. The stacks themselves are applied and planned with OpenTofu and the vault provider in
 * review.test.ts.
 *
 * The one input the JSON leaves open is the variable `kubernetes_ca_cert` (the local Vault does not
 * run in a pod, so the stack declares `disable_local_ca_jwt` and takes the API server's CA); the
 * test gives it a throwaway CA, as an engineer gives TF_VAR_kubernetes_ca_cert.
 *
 * Needs `bao` from `bash scripts/toolchain.sh`; fails (never skips) without it. Secret values and
 * tokens stay in memory: assertions compare statuses, capability lists and booleans only.
 */
import { randomBytes } from 'node:crypto';
import { allPolicies, allRoles, dataPath, type Grant } from '../../config/plan';
import { startOpenBao, throwawayCaCert, type OpenBaoServer } from '../../scripts/lib/openbao';
import { baoErrors, baoOk, baoRequest, expectedCapabilities, requireBaoBinary, resolveTfReference, resolveVariable } from '../support/openbao-client';
import { platformNamed, resourcesOf, synthPlatform } from '../support/synth';

jest.setTimeout(120_000);

const PLATFORMS = ['waqiti', 'pea-forecast'];
const ENV = 'local';

/** Who gets a token: a service, the backup reader, or the holder of the operator policy. */
interface Subject {
  readonly kind: 'service' | 'backup' | 'operator';
  /** For test names: the service name, `backup-reader`, or the operator policy name. */
  readonly label: string;
  /** Kubernetes auth role; none for the operator policy, whose token gets the policy directly. */
  readonly roleName?: string;
  readonly policyName: string;
  /** The plan's grants: the expectation. */
  readonly grants: readonly Grant[];
}

const only = <T>(items: T[], what: string): T => {
  if (items.length !== 1) throw new Error(`expected exactly one ${what} in the synthesized stack, found ${items.length}`);
  return items[0];
};
const sorted = (xs: readonly string[]) => [...xs].sort();
const without = (obj: Record<string, any>, ...keys: string[]) => Object.fromEntries(Object.entries(obj).filter(([k]) => !keys.includes(k)));
const canonical = (data: Record<string, unknown>) => JSON.stringify(Object.keys(data).sort().map((k) => [k, data[k]]));

test('OpenBao (bao) is installed; if not, run `bash scripts/toolchain.sh`', () => {
  expect(() => requireBaoBinary()).not.toThrow();
});

describe.each(PLATFORMS)('%s (local): the synthesized vault-config stack on a real OpenBao', (platformName) => {
  // Collected at definition time, so that test names can say what is expected.
  const { plan, stacks } = synthPlatform(platformNamed(platformName), ENV);
  const tf = stacks['vault-config'].tf;
  const mountRes = only(resourcesOf(tf, 'vault_mount'), 'vault_mount');
  const kvConfigs = resourcesOf(tf, 'vault_kv_secret_backend_v2');
  const policyRes = resourcesOf(tf, 'vault_policy') as Array<{ name: string; policy: string }>;
  const authRes = resourcesOf(tf, 'vault_auth_backend');
  const authConfigRes = resourcesOf(tf, 'vault_kubernetes_auth_backend_config');
  const roleRes = resourcesOf(tf, 'vault_kubernetes_auth_backend_role');
  const mount = String(mountRes.path);
  const authPath = String(only(authRes, 'vault_auth_backend').path);
  const secrets = plan.platform.secrets;

  const subjects: Subject[] = [
    ...plan.services.map((s): Subject => ({ kind: 'service', label: s.name, roleName: s.role.name, policyName: s.policy.name, grants: s.policy.grants })),
    ...(plan.backup
      ? [{ kind: 'backup', label: 'backup-reader', roleName: plan.backup.role.name, policyName: plan.backup.policy.name, grants: plan.backup.policy.grants } satisfies Subject]
      : []),
    { kind: 'operator', label: plan.operatorPolicy.name, policyName: plan.operatorPolicy.name, grants: plan.operatorPolicy.grants },
  ];

  let server: OpenBaoServer | undefined;
  const addr = () => server!.addr;
  const root = () => server!.rootToken;
  /** Secret values written by the test, by path. In memory only; never printed. */
  const values = new Map<string, Record<string, string>>();
  const dummy = (keys: readonly string[]) => Object.fromEntries(keys.map((k) => [k, randomBytes(18).toString('base64url')]));

  beforeAll(async () => {
    requireBaoBinary();
    server = await startOpenBao(); // one fresh server per platform: both use the auth path `kubernetes`
    const a = addr();
    const t = root();
    // vault_mount and vault_kv_secret_backend_v2
    await baoOk(a, t, 'POST', `sys/mounts/${mount}`, { type: mountRes.type, description: mountRes.description, options: mountRes.options });
    for (const c of kvConfigs) {
      const cfg = without(c, 'mount');
      await baoOk(a, t, 'POST', `${resolveTfReference(tf, c.mount)}/config`, cfg);
    }
    // vault_policy
    for (const p of policyRes) await baoOk(a, t, 'PUT', `sys/policies/acl/${p.name}`, { policy: p.policy });
    // vault_auth_backend, vault_kubernetes_auth_backend_config, vault_kubernetes_auth_backend_role
    for (const b of authRes) await baoOk(a, t, 'POST', `sys/auth/${b.path}`, without(b, 'path'));
    // The local stack takes the API server's host, CA and a reviewer token as variables (this server
    // is not in a pod); the test passes the host's default, a throwaway CA and a placeholder token,
    // as an engineer passes TF_VAR_*. The write-only argument is the API's token_reviewer_jwt.
    const variables: Record<string, string> = {
      kubernetes_host: String(tf.variable.kubernetes_host.default),
      kubernetes_ca_cert: await throwawayCaCert(server!),
      kubernetes_reviewer_jwt: 'no-cluster-placeholder',
    };
    const apiField = (k: string) => (k === 'token_reviewer_jwt_wo' ? 'token_reviewer_jwt' : k);
    for (const c of authConfigRes) {
      const declared = Object.fromEntries(
        Object.entries(without(c, 'backend', 'token_reviewer_jwt_wo_version')).map(([k, v]) => [apiField(k), resolveVariable(v, variables)]),
      );
      await baoOk(a, t, 'POST', `auth/${resolveTfReference(tf, c.backend)}/config`, declared);
    }
    for (const r of roleRes) await baoOk(a, t, 'POST', `auth/${resolveTfReference(tf, r.backend)}/role/${r.role_name}`, without(r, 'backend', 'role_name'));
    // A dummy value in every secret of the inventory.
    for (const s of secrets) {
      const data = dummy(s.keys);
      await baoOk(a, t, 'POST', `${mount}/data/${s.path}`, { options: { cas: 0 }, data });
      values.set(s.path, data);
    }
  });

  afterAll(async () => {
    await server?.stop();
    server = undefined;
  });

  test('the stack declares exactly the plan’s mount, auth method, policies and roles', () => {
    expect(mount).toBe(plan.mount);
    expect(mountRes.type).toBe('kv');
    expect(mountRes.options).toEqual({ version: '2' });
    expect(authPath).toBe('kubernetes');
    expect(sorted(policyRes.map((p) => p.name))).toEqual(sorted(allPolicies(plan).map((p) => p.name)));
    expect(sorted(roleRes.map((r) => r.role_name))).toEqual(sorted(allRoles(plan).map((r) => r.name)));
    // Local: the host is the variable kubernetes_host, whose default is the environment's.
    expect(only(authConfigRes, 'vault_kubernetes_auth_backend_config').kubernetes_host).toBe('${var.kubernetes_host}');
    expect(tf.variable.kubernetes_host.default).toBe(plan.env.auth.kubernetesHost);
  });

  test('OpenBao holds the mount, the auth method and config, and every policy as rendered', async () => {
    const mounts = await baoOk(addr(), root(), 'GET', 'sys/mounts');
    const m = mounts.body.data[`${mount}/`];
    expect(m?.type).toBe('kv');
    expect(m?.options?.version).toBe('2');
    const auths = await baoOk(addr(), root(), 'GET', 'sys/auth');
    expect(auths.body.data[`${authPath}/`]?.type).toBe('kubernetes');
    const cfg = await baoOk(addr(), root(), 'GET', `auth/${authPath}/config`);
    expect(cfg.body.data.kubernetes_host).toBe(plan.env.auth.kubernetesHost);
    for (const p of policyRes) {
      const r = await baoOk(addr(), root(), 'GET', `sys/policies/acl/${p.name}`);
      expect({ name: p.name, policy: r.body.data.policy }).toEqual({ name: p.name, policy: p.policy });
    }
  });

  test.each(allRoles(plan).map((role) => ({ name: role.name, role })))(
    'role $name reads back with exactly the plan’s service accounts, namespaces, policies and TTLs',
    async ({ role }) => {
      const r = await baoOk(addr(), root(), 'GET', `auth/${authPath}/role/${role.name}`);
      const d = r.body.data;
      expect({
        bound_service_account_names: sorted(d.bound_service_account_names),
        bound_service_account_namespaces: sorted(d.bound_service_account_namespaces),
        token_policies: sorted(d.token_policies),
        token_ttl: d.token_ttl,
        token_max_ttl: d.token_max_ttl,
        audience: d.audience,
      }).toEqual({
        bound_service_account_names: sorted(role.serviceAccounts),
        bound_service_account_namespaces: sorted(role.namespaces),
        token_policies: sorted(role.policies),
        token_ttl: role.tokenTtlSeconds,
        token_max_ttl: role.tokenMaxTtlSeconds,
        audience: role.audience,
      });
    },
  );

  describe.each(subjects.map((s) => ({ ...s, title: s.roleName ? `${s.kind} ${s.label} (role ${s.roleName})` : `${s.kind} policy ${s.label}` })))('$title', (subject) => {
    let token = '';
    let tokenPolicies: string[] = [];
    /** sys/capabilities-self for every data path, asked once. */
    let caps: Record<string, string[]> = {};
    const full = (path: string) => dataPath(mount, path);
    const metadataPath = (path: string) => `${mount}/metadata/${path}`;
    const mayWrite = (path: string) => expectedCapabilities(subject.grants, full(path)).includes('update');

    beforeAll(async () => {
      if (!server) return; // the platform's beforeAll failed; its error is reported on every test
      // The role's policies as OpenBao holds them (checked against the plan above); the operator
      // policy has no role, its holders get it directly.
      tokenPolicies = subject.roleName
        ? (await baoOk(addr(), root(), 'GET', `auth/${authPath}/role/${subject.roleName}`)).body.data.token_policies
        : [subject.policyName];
      const created = await baoOk(addr(), root(), 'POST', 'auth/token/create', { policies: tokenPolicies, ttl: '15m', no_default_policy: false });
      token = created.body.auth.client_token;
      const paths = secrets.map((s) => full(s.path));
      const r = await baoOk(addr(), token, 'POST', 'sys/capabilities-self', { paths });
      caps = r.body.data ?? r.body;
    });

    test('its token holds exactly the role’s policies plus default', async () => {
      expect(sorted(tokenPolicies)).toEqual(sorted([subject.policyName]));
      const r = await baoOk(addr(), token, 'GET', 'auth/token/lookup-self');
      expect(sorted(r.body.data.policies)).toEqual(sorted([subject.policyName, 'default']));
    });

    test.each(
      secrets.map((s) => {
        const expected = expectedCapabilities(subject.grants, full(s.path));
        return { path: s.path, full: full(s.path), expected, verdict: expected.includes('read') ? `readable, capabilities ${JSON.stringify(expected)}` : 'denied (403, ["deny"])' };
      }),
    )('$full is $verdict', async ({ path, full: fullPath, expected }) => {
      if (subject.kind !== 'operator') expect(expected).toEqual(expected.includes('read') ? ['read'] : ['deny']);
      expect(caps[fullPath]).toEqual(expected);
      const r = await baoRequest(addr(), token, 'GET', fullPath);
      expect(r.status).toBe(expected.includes('read') ? 200 : 403);
      if (r.status === 200) {
        // Compared as a boolean so that a failure never prints the value.
        const same = canonical(r.body?.data?.data ?? {}) === canonical(values.get(path)!);
        expect(same).toBe(true);
      } else {
        expect(baoErrors(r)).toMatch(/permission denied/);
      }
    });

    test(`${subject.kind === 'operator' ? 'reads' : 'gets 403 on'} ${mount}/metadata/<path> of every secret, as its grants say`, async () => {
      const wrong: string[] = [];
      for (const s of secrets) {
        const canRead = expectedCapabilities(subject.grants, metadataPath(s.path)).includes('read');
        if (subject.kind !== 'operator' && canRead) wrong.push(`${metadataPath(s.path)}: the plan grants a ${subject.kind} metadata read`);
        const r = await baoRequest(addr(), token, 'GET', metadataPath(s.path));
        if (r.status !== (canRead ? 200 : 403)) wrong.push(`${metadataPath(s.path)}: ${r.status} (${canRead ? 'expected 200' : 'expected 403'})`);
      }
      expect(wrong).toEqual([]);
    });

    test('gets 403 on sys/policies/acl (list, and read of its own policy)', async () => {
      const list = await baoRequest(addr(), token, 'GET', 'sys/policies/acl?list=true');
      const own = await baoRequest(addr(), token, 'GET', `sys/policies/acl/${subject.policyName}`);
      expect({ list: list.status, readOwn: own.status }).toEqual({ list: 403, readOwn: 403 });
    });

    const writeTargets = subject.kind === 'operator' ? secrets.filter((s) => mayWrite(s.path)) : secrets.filter((s) => expectedCapabilities(subject.grants, full(s.path)).includes('read'));
    if (subject.kind === 'operator') {
      test('can write (POST with check-and-set) every secret its grants cover', async () => {
        expect(writeTargets.length).toBeGreaterThan(0);
        const wrong: string[] = [];
        for (const s of writeTargets) {
          const meta = await baoOk(addr(), root(), 'GET', metadataPath(s.path));
          const data = dummy(s.keys);
          const r = await baoRequest(addr(), token, 'POST', full(s.path), { options: { cas: meta.body.data.current_version }, data });
          if (r.status === 200) values.set(s.path, data);
          else wrong.push(`${full(s.path)}: ${r.status} ${baoErrors(r)}`);
        }
        expect(wrong).toEqual([]);
      });
    } else {
      test('cannot write (PUT or POST) its own secrets', async () => {
        expect(writeTargets.length).toBeGreaterThan(0);
        const wrong: string[] = [];
        for (const s of writeTargets) {
          if (mayWrite(s.path)) wrong.push(`${full(s.path)}: the plan grants a ${subject.kind} update`);
          for (const method of ['PUT', 'POST']) {
            const r = await baoRequest(addr(), token, method, full(s.path), { data: dummy(s.keys) });
            if (r.status !== 403) wrong.push(`${method} ${full(s.path)}: ${r.status} (expected 403)`);
          }
        }
        expect(wrong).toEqual([]);
        // And nothing changed: root still reads what the test wrote.
        for (const s of writeTargets) {
          const r = await baoOk(addr(), root(), 'GET', full(s.path));
          expect(canonical(r.body.data.data) === canonical(values.get(s.path)!)).toBe(true);
        }
      });
    }
  });
});
