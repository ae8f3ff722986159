/**
 * The apply identity on a real OpenBao, with real OpenTofu and the vault provider.
 *
 * WAQITI's local vault-config stack, with an `applyIdentity` whose JWTs are verified by a key pair
 * made here (a CI issuer stand-in), is bootstrapped once with the root token, as an operator does.
 * Then root removes everything the stack manages except the apply identity's own pieces (the KV
 * mount and its secrets, the Kubernetes auth method and roles, the audit device, every other
 * policy), and CI, logged in through the JWT role with only the Terraform policy, applies the stack
 * again: everything is re-created under a child token (no skip_child_token), and a second plan is
 * empty. The same CI token is denied outside the stack, and cannot widen its own policy or role.
 * The rotation (operator) policy writes but cannot read, and only the break-glass policy deletes
 * permanently.
 *
 * Tokens and generated values stay in memory; assertions compare statuses and policy names.
 */
import { createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { localStackEnv, startOpenBao, type OpenBaoServer } from '../../scripts/lib/openbao';
import { tofu, tofuInit } from '../../scripts/lib/tofu';
import { planPlatform } from '../../config/plan';
import { renderPolicyHcl } from '../../constructs/vault-policy';
import type { PlatformConfig } from '../../config/schema';
import { baoOk, baoRequest, requireBaoBinary } from '../support/openbao-client';
import { platformVariant } from '../support/platform-variants';
import { runApp } from '../support/run-app';
import { clone, platformNamed } from '../support/synth';

jest.setTimeout(600_000);

const ISSUER = 'https://ci.vsp.test';
const CLAIMS = { repository: 'waqiti/platform-secrets', environment: 'local' };
const IDENTITY = { boundIssuer: ISSUER, audience: 'vault', boundClaims: CLAIMS, tokenTtl: '20m' };
const variant = platformVariant('apply-identity', `named('waqiti').environments.local.applyIdentity = ${JSON.stringify(IDENTITY)};`);
const platform: PlatformConfig = clone(platformNamed('waqiti'));
platform.environments.local.applyIdentity = IDENTITY;
const plan = planPlatform(platform, 'local');
const mount = plan.mount;
const stack = 'waqiti-local-vault-config';

const b64url = (x: Buffer | string) => Buffer.from(x).toString('base64url');
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

/** A CI token as GitHub Actions would sign it: RS256, issuer, audience, claims, 10 minutes. */
function ciJwt(claims: Record<string, unknown> = CLAIMS, aud = 'vault'): string {
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'test' }));
  const body = b64url(JSON.stringify({ iss: ISSUER, aud, sub: `repo:${CLAIMS.repository}:environment:local`, iat: now, nbf: now - 5, exp: now + 600, ...claims }));
  const signer = createSign('RSA-SHA256');
  signer.update(`${header}.${body}`);
  return `${header}.${body}.${b64url(signer.sign(privateKey))}`;
}

describe('waqiti (local): CI applies the vault-config stack with only the Terraform policy', () => {
  const synth = runApp({ VSP_PLATFORMS_MODULE: variant, VSP_ONLY: 'waqiti-local' });
  const work = join(synth.outdir, '..');
  const dir = join(synth.outdir, 'stacks', stack);
  const state = join(work, 'state', `${stack}.tfstate`);
  let server: OpenBaoServer;
  let env: Record<string, string>;
  let ciToken = '';
  let ciApply: { ok: boolean; error?: string } = { ok: false };
  let secondPlanExit: number | undefined;

  const root = () => server.rootToken;
  const login = (jwt: string) => baoRequest(server.addr, undefined, 'POST', `auth/${plan.applyIdentity!.authPath}/login`, { role: plan.applyIdentity!.roleName, jwt });

  beforeAll(async () => {
    requireBaoBinary();
    expect(synth.status).toBe(0);
    server = await startOpenBao();
    env = {
      ...(await localStackEnv(server)),
      TF_VAR_ci_jwt_validation_pubkey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      TERRAFORM_VAULT_SKIP_CHILD_TOKEN: 'false',
    };
    // Bootstrap: an operator applies once with a root token.
    await tofuInit(dir, state, env);
    await tofu(['apply', '-auto-approve', '-no-color', '-input=false'], { dir, env });
    // Root removes everything but the apply identity's own pieces.
    const a = server.addr;
    await baoOk(a, root(), 'DELETE', `sys/mounts/${mount}`);
    await baoOk(a, root(), 'DELETE', 'sys/auth/kubernetes');
    await baoOk(a, root(), 'DELETE', 'sys/audit/file');
    for (const p of plan.terraformPolicy.grants.filter((g) => g.path.startsWith('sys/policies/acl/')).map((g) => g.path.split('/').pop()!)) {
      if (p !== plan.terraformPolicy.name) await baoOk(a, root(), 'DELETE', `sys/policies/acl/${p}`);
    }
    // CI logs in with its OIDC token and applies with nothing else.
    const r = await login(ciJwt());
    ciToken = r.body?.auth?.client_token ?? '';
    const ciEnv = { ...env, VAULT_TOKEN: ciToken, BAO_TOKEN: ciToken };
    try {
      await tofu(['apply', '-auto-approve', '-no-color', '-input=false'], { dir, env: ciEnv });
      ciApply = { ok: true };
    } catch (err) {
      ciApply = { ok: false, error: (err as Error).message.replaceAll(ciToken, '<ci token>') };
    }
    try {
      await tofu(['plan', '-detailed-exitcode', '-no-color', '-input=false'], { dir, env: ciEnv });
      secondPlanExit = 0;
    } catch (err) {
      secondPlanExit = (err as { status?: number }).status;
    }
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('the JWT role logs CI in with exactly the Terraform policy, for a short time', async () => {
    expect(ciToken).not.toBe('');
    const self = await baoOk(server.addr, ciToken, 'GET', 'auth/token/lookup-self');
    expect([...self.body.data.policies].sort()).toEqual(['default', plan.terraformPolicy.name].sort());
    expect(self.body.data.ttl).toBeLessThanOrEqual(20 * 60);
  });

  test.each([
    ['another repository', { ...CLAIMS, repository: 'someone/else' }, 'vault'],
    ['another environment', { ...CLAIMS, environment: 'prod' }, 'vault'],
    ['another audience', CLAIMS, 'sts.amazonaws.com'],
  ])('a token from %s cannot log in', async (_what, claims, aud) => {
    const r = await login(ciJwt(claims, aud));
    expect(r.status).toBe(400);
    expect(r.body?.auth).toBeFalsy();
  });

  test('CI re-creates the mount, auth method, roles, policies, audit device and secrets, and a second plan is empty', () => {
    expect(ciApply).toEqual({ ok: true });
    expect(secondPlanExit).toBe(0);
  });

  test('after the CI apply, OpenBao holds every policy and role of the plan again', async () => {
    const policies = await baoOk(server.addr, root(), 'GET', 'sys/policies/acl?list=true');
    for (const p of plan.terraformPolicy.grants.filter((g) => g.path.startsWith('sys/policies/acl/'))) expect(policies.body.data.keys).toContain(p.path.split('/').pop());
    const roles = await baoOk(server.addr, root(), 'GET', 'auth/kubernetes/role?list=true');
    expect([...roles.body.data.keys].sort()).toEqual([...plan.services.map((s) => s.role.name), plan.backup!.role.name].sort());
    const audits = await baoOk(server.addr, root(), 'GET', 'sys/audit');
    expect(Object.keys(audits.body.data)).toContain('file/');
  });

  test.each([
    ['read a secret value', 'GET', () => `${mount}/data/auth`, undefined],
    ['write a secret the stack does not generate', 'POST', () => `${mount}/data/payment-providers/stripe`, { data: { 'api-key': 'x' } }],
    ['mount another secrets engine', 'POST', () => 'sys/mounts/other', { type: 'kv' }],
    ['enable another auth method', 'POST', () => 'sys/auth/userpass', { type: 'userpass' }],
    ['write a policy outside the plan', 'PUT', () => 'sys/policies/acl/not-in-plan', { policy: 'path "sys/*" { capabilities = ["sudo"] }' }],
    ['widen its own policy', 'PUT', () => `sys/policies/acl/${plan.terraformPolicy.name}`, { policy: 'path "*" { capabilities = ["sudo"] }' }],
    ['rebind its own JWT role', 'POST', () => `auth/${plan.applyIdentity!.authPath}/role/${plan.applyIdentity!.roleName}`, { bound_claims: { repository: 'someone/else' } }],
    ['add a Kubernetes role outside the plan', 'POST', () => 'auth/kubernetes/role/not-in-plan', { bound_service_account_names: ['*'], bound_service_account_namespaces: ['*'] }],
    ['enable another audit device', 'PUT', () => 'sys/audit/other', { type: 'file', options: { file_path: 'stdout' } }],
    ['destroy secret versions', 'PUT', () => `${mount}/destroy/auth`, { versions: [1] }],
    ['read sys/raw', 'GET', () => 'sys/raw/core/mounts', undefined],
  ])('the CI token cannot %s', async (_what, method, path, body) => {
    const r = await baoRequest(server.addr, ciToken, method, path(), body);
    expect(r.status).toBe(403);
  });
});

describe('waqiti (local): the rotation policy writes without reading; break-glass alone deletes permanently', () => {
  let server: OpenBaoServer;
  let rotation = '';
  let breakGlass = '';
  const mountName = plan.mount;

  beforeAll(async () => {
    requireBaoBinary();
    server = await startOpenBao();
    const a = server.addr;
    const t = server.rootToken;
    await baoOk(a, t, 'POST', `sys/mounts/${mountName}`, { type: 'kv', options: { version: '2' } });
    for (const p of [plan.operatorPolicy, plan.breakGlassPolicy]) await baoOk(a, t, 'PUT', `sys/policies/acl/${p.name}`, { policy: renderPolicyHcl(p.grants) });
    await baoOk(a, t, 'POST', `${mountName}/data/auth`, { data: { 'jwt-secret': randomBytes(24).toString('base64url') } });
    rotation = (await baoOk(a, t, 'POST', 'auth/token/create', { policies: [plan.operatorPolicy.name], ttl: '10m' })).body.auth.client_token;
    breakGlass = (await baoOk(a, t, 'POST', 'auth/token/create', { policies: [plan.breakGlassPolicy.name], ttl: '10m' })).body.auth.client_token;
  });
  afterAll(async () => {
    await server?.stop();
  });

  test('rotation writes a new version, reads metadata, and gets 403 reading any value', async () => {
    const write = await baoRequest(server.addr, rotation, 'POST', `${mountName}/data/auth`, { data: { 'jwt-secret': randomBytes(24).toString('base64url') } });
    expect(write.status).toBe(200);
    expect((await baoRequest(server.addr, rotation, 'GET', `${mountName}/metadata/auth`)).status).toBe(200);
    expect((await baoRequest(server.addr, rotation, 'GET', `${mountName}/data/auth`)).status).toBe(403);
    expect((await baoRequest(server.addr, rotation, 'GET', `${mountName}/data/auth?version=1`)).status).toBe(403);
  });

  test('rotation cannot delete, destroy or delete metadata', async () => {
    expect((await baoRequest(server.addr, rotation, 'DELETE', `${mountName}/data/auth`)).status).toBe(403);
    expect((await baoRequest(server.addr, rotation, 'PUT', `${mountName}/destroy/auth`, { versions: [1] })).status).toBe(403);
    expect((await baoRequest(server.addr, rotation, 'DELETE', `${mountName}/metadata/auth`)).status).toBe(403);
  });

  test('break-glass destroys a version and deletes the metadata, and reads no value', async () => {
    expect((await baoRequest(server.addr, breakGlass, 'GET', `${mountName}/data/auth`)).status).toBe(403);
    expect((await baoRequest(server.addr, breakGlass, 'PUT', `${mountName}/destroy/auth`, { versions: [1] })).status).toBe(204);
    expect((await baoRequest(server.addr, breakGlass, 'DELETE', `${mountName}/metadata/auth`)).status).toBe(204);
    expect((await baoRequest(server.addr, server.rootToken, 'GET', `${mountName}/metadata/auth`)).status).toBe(404);
  });
});
