/**
 * moto (the AWS emulator, `moto[server]` in the toolchain's virtual environment) on 127.0.0.1 for
 * tests, the bench and demos: one account (`MOTO_ACCOUNT_ID`), a free port, stopped by PID and
 * killed with its parent (scripts/lib/processes.ts).
 *
 * By default the server runs with scripts/lib/moto_fixes.py, which fixes three gaps of moto 5.2.5 in
 * multi-Region KMS keys and Secrets Manager replicas (README, "AWS without AWS"); `fixes: false`
 * runs stock `moto_server`. The credentials are fake and name no real account.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort, ManagedProcess } from './processes';
import { loadToolchainEnv } from './toolchain-env';

/** Fake credentials moto accepts; they open nothing anywhere else. */
export const MOTO_CREDENTIALS = { accessKeyId: 'moto-fake-access-key', secretAccessKey: 'moto-fake-secret-key' } as const;

/** The AWS services the stacks and the restore use; every one is pointed at moto. */
export const MOTO_SERVICES = ['iam', 'kms', 's3', 's3control', 'secretsmanager', 'sts'] as const;

export interface MotoServer {
  /** e.g. http://127.0.0.1:41234 (every service on one endpoint). */
  readonly endpoint: string;
  /** The account moto reports (GetCallerIdentity, ARNs). */
  readonly accountId: string;
  readonly pid: number;
  /** moto's request log (methods and paths; moto logs no bodies). */
  readonly logFile: string;
  /** Whether scripts/lib/moto_fixes.py is loaded. */
  readonly fixes: boolean;
  /** Environment for AWS clients (SDK, CLI): endpoint, fake credentials, no IMDS. */
  clientEnv(region: string): Record<string, string>;
  stop(): Promise<void>;
}

export interface StartMotoOptions {
  /** Account moto reports, e.g. the stacks' `allowed_account_ids` entry. */
  readonly accountId: string;
  /** Listener port on 127.0.0.1. @default - a free port */
  readonly port?: number;
  /** Load scripts/lib/moto_fixes.py. @default true */
  readonly fixes?: boolean;
  /** Path of moto_server. @default - $VSP_MOTO_BIN, then the toolchain's */
  readonly motoBin?: string;
  /** Milliseconds to wait until moto answers. @default 60000 */
  readonly timeoutMs?: number;
}

function resolveMotoBin(explicit?: string): string {
  const bin = explicit ?? process.env.VSP_MOTO_BIN ?? loadToolchainEnv().VSP_MOTO_BIN;
  if (!bin || !existsSync(bin)) {
    throw new Error(`moto_server not found (${bin ?? 'VSP_MOTO_BIN is not set'}). Run \`bash scripts/toolchain.sh\`: it installs moto into a virtual environment in the toolchain cache.`);
  }
  return bin;
}

/** Starts moto on 127.0.0.1 and waits until it answers. */
export async function startMoto(opts: StartMotoOptions): Promise<MotoServer> {
  if (!/^\d{12}$/.test(opts.accountId)) throw new Error(`'accountId' must be 12 digits. Received: ${opts.accountId}`);
  const motoBin = resolveMotoBin(opts.motoBin);
  const fixes = opts.fixes ?? true;
  const port = opts.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'vsp-moto-'));
  const logFile = join(dir, 'moto.log');
  const listen = ['-H', '127.0.0.1', '-p', String(port)];
  // With fixes, the venv's python runs the fixes module, which then runs moto_server's main.
  const proc = new ManagedProcess({
    name: 'moto',
    bin: fixes ? join(dirname(motoBin), 'python') : motoBin,
    args: fixes ? [join(__dirname, 'moto_fixes.py'), ...listen] : listen,
    logFile,
    env: { ...process.env, MOTO_ACCOUNT_ID: opts.accountId, MOTO_PORT: String(port), PYTHONUNBUFFERED: '1' },
  });
  const stop = async (): Promise<void> => {
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  proc.start();
  try {
    await proc.waitFor(
      `an answer on ${endpoint}`,
      async () => ((await fetch(`${endpoint}/moto-api/data.json`, { signal: AbortSignal.timeout(2000) })).ok ? true : undefined),
      opts.timeoutMs ?? 60_000,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    endpoint,
    accountId: opts.accountId,
    pid: proc.pid!,
    logFile,
    fixes,
    clientEnv: (region: string) => ({
      AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ENDPOINT_URL: endpoint,
      AWS_EC2_METADATA_DISABLED: 'true',
    }),
    stop,
  };
}

/** One `provider "aws"` block of a synthesized stack (only the fields read here). */
interface AwsProviderBlock {
  readonly alias?: string;
  readonly region?: string;
}

/**
 * What `override.tf.json` beside a stack's `cdk.tf.json` holds to point it at moto: for every aws
 * provider block (matched by alias), every service's endpoint, the fake credentials and no instance
 * metadata lookup; and, given `statePath`, a local backend there in place of the stack's. OpenTofu merges it over the
 * shipped JSON, which stays untouched. Credentials are still validated (STS GetCallerIdentity
 * against moto), so `allowed_account_ids` is checked for real.
 */
export function motoOverride(stackJson: { provider?: { aws?: AwsProviderBlock[] } }, moto: MotoServer, statePath?: string): Record<string, unknown> {
  const blocks = stackJson.provider?.aws ?? [];
  if (blocks.length === 0) throw new Error('the stack declares no aws provider');
  const endpoints = Object.fromEntries(MOTO_SERVICES.map((s) => [s, moto.endpoint]));
  return {
    provider: {
      aws: blocks.map((b) => ({
        ...(b.alias ? { alias: b.alias } : {}),
        access_key: MOTO_CREDENTIALS.accessKeyId,
        secret_key: MOTO_CREDENTIALS.secretAccessKey,
        skip_metadata_api_check: 'true',
        // Bucket names as a path on moto's one host: virtual-hosted names would need DNS.
        s3_use_path_style: true,
        // S3 Control (bucket tags) puts the account ID in front of the endpoint's host
        // (`111122223333.127.0.0.1`), a name no resolver knows: such requests go to moto as a proxy,
        // which serves them by path. Requests for 127.0.0.1 itself are never proxied.
        http_proxy: moto.endpoint,
        https_proxy: '',
        endpoints: [endpoints],
      })),
    },
    ...(statePath ? { terraform: { backend: { local: { path: statePath } } } } : {}),
  };
}

/** Writes motoOverride() as `<stackDir>/override.tf.json` and returns its path. */
export function writeMotoOverride(stackDir: string, moto: MotoServer, statePath?: string): string {
  const file = join(stackDir, 'override.tf.json');
  const stack = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8'));
  writeFileSync(file, `${JSON.stringify(motoOverride(stack, moto, statePath), null, 2)}\n`);
  return file;
}
