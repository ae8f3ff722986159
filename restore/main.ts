/**
 * `npm run restore -- --platform <p> --env <e> --secret <path> [--region R] [--dry-run] [--force]`:
 * a critical secret's AWS Secrets Manager backup written back to Vault as a new KV v2 version.
 * Exit codes are in USAGE (restore/options.ts) and the README. No value is ever printed.
 */
import { parseRestoreArgs, USAGE, UsageError } from './options';
import { AwsError, describeResult, resolveTarget, RestoreRefused, restoreSecret } from './restore';
import { VaultError } from './vault-kv';

async function main(): Promise<number> {
  // The AWS SDK warns on every run that its releases after January 2027 need Node 22. The SDK is
  // pinned (package.json) and the project runs on Node 20, so that is a note for whoever bumps it
  // (README, Limits today), not for an operator in the middle of a restore.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  try {
    const opts = parseRestoreArgs(process.argv.slice(2));
    if (opts.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const target = resolveTarget(opts);
    const result = await restoreSecret(target, process.env.VAULT_TOKEN!, opts);
    process.stdout.write(`${describeResult(result)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`restore: ${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (err instanceof RestoreRefused) {
      process.stderr.write(`restore refused: ${err.message}\n`);
      return 1;
    }
    if (err instanceof AwsError || err instanceof VaultError) {
      process.stderr.write(`restore failed: ${err.message}\n`);
      return 3;
    }
    process.stderr.write(`restore failed: ${(err as Error).message}\n`);
    return 3;
  }
}

main().then((code) => process.exit(code));
