/**
 * checkov (from PyPI, installed by the toolchain into its own virtual environment) over the
 * synthesized JSON of every stack. No failed check is allowed, apart from the documented list in
 * checkov-skips.ts, each scoped to the resource types it does not apply to.
 *
 * Run by hand: `npx cdktf synth && $VSP_CHECKOV_BIN -d cdktf.out/stacks --framework terraform_json --skip-download --compact`.
 * checkov cannot see inside `kubernetes_manifest` bodies or Helm values; those are checked by the
 * unit and manifest-schema tests.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadToolchainEnv } from '../../scripts/lib/toolchain-env';
import { runApp } from '../support/run-app';
import { CHECKOV_SKIPS } from './checkov-skips';

jest.setTimeout(300_000);

interface FailedCheck {
  readonly check_id: string;
  readonly check_name: string;
  readonly file_path: string;
  readonly resource: string;
  readonly resource_address?: string;
}

/** `VSP_CHECKOV_BIN`, from the environment or the toolchain's env.json. */
function checkovBin(): string {
  const bin = process.env.VSP_CHECKOV_BIN || loadToolchainEnv().VSP_CHECKOV_BIN;
  if (!bin || !existsSync(bin)) throw new Error(`checkov not found (VSP_CHECKOV_BIN=${bin ?? ''}); run \`bash scripts/toolchain.sh\``);
  return bin;
}

const synth = runApp();
const stacksDir = join(synth.outdir, 'stacks');

/**
 * What checkov reads: the stacks as synthesized, without their `import` blocks. checkov 3.3.30's
 * terraform_json parser stops on a list of `import` blocks ("this method receives only dicts"), the
 * form OpenTofu documents and the vault-config layer uses to adopt existing mounts
 * (constructs/existing-vault-objects.ts); an import block holds no setting checkov checks.
 */
function stacksForCheckov(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vsp-checkov-'));
  cpSync(stacksDir, dir, { recursive: true });
  for (const stack of readdirSync(dir)) {
    const file = join(dir, stack, 'cdk.tf.json');
    if (!existsSync(file)) continue;
    const tf = JSON.parse(readFileSync(file, 'utf8'));
    delete tf.import;
    writeFileSync(file, JSON.stringify(tf, null, 2));
  }
  return dir;
}

/** The resource type of a failed check: `aws_s3_bucket.name`, or `resource.name` looked up in the stack file. */
function resourceType(check: FailedCheck): string {
  const [head, ...rest] = check.resource.split('.');
  if (head !== 'resource') return head;
  const name = rest.join('.');
  const tf = JSON.parse(readFileSync(join(stacksDir, check.file_path), 'utf8')) as { resource?: Record<string, Record<string, unknown>> };
  return Object.entries(tf.resource ?? {}).find(([, byName]) => name in byName)?.[0] ?? 'unknown';
}

describe('checkov over every synthesized stack', () => {
  let failed: Array<FailedCheck & { type: string }> = [];
  let summary: { passed: number; failed: number; parsing_errors: number } = { passed: 0, failed: 0, parsing_errors: 0 };

  const scanned = stacksForCheckov();
  afterAll(() => rmSync(scanned, { recursive: true, force: true }));

  beforeAll(() => {
    expect(synth.status).toBe(0);
    const r = spawnSync(checkovBin(), ['-d', scanned, '--framework', 'terraform_json', '--skip-download', '--compact', '--quiet', '-o', 'json'], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      env: { ...process.env, BC_SKIP_MAPPING: 'TRUE', CHECKOV_RUN_SCA_PACKAGE_SCAN_V2: 'false' },
    });
    // checkov exits 1 when a check fails; anything else is a crash.
    if (r.status !== 0 && r.status !== 1) throw new Error(`checkov exited ${r.status}: ${r.stderr.slice(-2000)}`);
    const parsed = JSON.parse(r.stdout) as { summary: typeof summary; results: { failed_checks: FailedCheck[] } } | Array<{ summary: typeof summary; results: { failed_checks: FailedCheck[] } }>;
    const reports = Array.isArray(parsed) ? parsed : [parsed];
    failed = reports.flatMap((x) => x.results.failed_checks).map((c) => ({ ...c, type: resourceType(c) }));
    summary = reports.reduce((acc, x) => ({ passed: acc.passed + x.summary.passed, failed: acc.failed + x.summary.failed, parsing_errors: acc.parsing_errors + x.summary.parsing_errors }), summary);
  });

  test('reads every stack without parsing errors and passes checks', () => {
    expect(summary.parsing_errors).toBe(0);
    expect(summary.passed).toBeGreaterThan(100);
  });

  test('no failed check outside the documented skips (CKV2_AWS_64 key policies included)', () => {
    const unexplained = failed
      .filter((c) => !CHECKOV_SKIPS.some((s) => s.id === c.check_id && s.resourceTypes.includes(c.type)))
      .map((c) => `${c.check_id} ${c.check_name}: ${c.type} ${c.resource} in ${c.file_path}`);
    expect(unexplained).toEqual([]);
  });

  test('every KMS key passes CKV2_AWS_64 (an explicit key policy)', () => {
    expect(failed.filter((c) => c.check_id === 'CKV2_AWS_64')).toEqual([]);
  });

  test.each(CHECKOV_SKIPS.map((s) => [s.id, s]))('skip %s still applies and gives a reason', (_id, skip) => {
    expect(skip.reason.length).toBeGreaterThan(60);
    expect(failed.some((c) => c.check_id === skip.id)).toBe(true);
  });
});
