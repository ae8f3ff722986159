/** Flag parsing shared by the project's commands (`npm run review`, `npm run restore`). */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Thrown for bad usage (exit 2). */
export class UsageError extends Error {}

/** `--flags` only (strict, no positionals); a parse failure becomes a UsageError. */
export function parseFlags<const O extends NonNullable<ParseArgsConfig['options']>>(argv: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
