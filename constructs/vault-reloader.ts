/**
 * A sidecar in each Vault server pod that makes Vault pick up what changes on disk. Vault re-reads
 * its listener certificate and reopens its file audit device only on SIGHUP, so the sidecar, in
 * the pod's shared process namespace and as Vault's own user:
 * - sends SIGHUP when the mounted certificate changes (cert-manager renewed it, the kubelet updated the volume);
 * - rotates the audit file when it reaches a size (`<file>.1` … `<file>.<keep>`) and sends SIGHUP so Vault reopens it.
 */

/** What the sidecar watches. */
export interface ReloaderProps {
  /** Certificate file Vault serves. @default - no certificate watch (TLS off) */
  readonly certFile?: string;
  /** Audit log file. @default - no rotation (no file device) */
  readonly auditFile?: string;
  /** Rotate the audit file at this many bytes. */
  readonly rotateAtBytes: number;
  /** Rotated audit files kept. */
  readonly keep: number;
  /** Seconds between checks. @default 30 */
  readonly intervalSeconds?: number;
}

/** The image: busybox provides sh, pidof, md5sum, stat, mv and kill. Pinned. */
export const RELOADER_IMAGE = 'busybox:1.37.0';

/** The POSIX sh script the sidecar runs (also runnable on its own, as the unit test does). */
export function reloaderScript(): string {
  return [
    'set -u',
    'last=""',
    'while true; do',
    '  reason=""',
    '  if [ -n "$CERT_FILE" ]; then',
    '    sum="$(md5sum "$CERT_FILE" 2>/dev/null | cut -d" " -f1)"',
    '    if [ -n "$last" ] && [ -n "$sum" ] && [ "$sum" != "$last" ]; then reason="certificate changed"; fi',
    '    if [ -n "$sum" ]; then last="$sum"; fi',
    '  fi',
    '  if [ -n "$AUDIT_FILE" ] && [ -f "$AUDIT_FILE" ] && [ "$(stat -c %s "$AUDIT_FILE")" -ge "$ROTATE_AT_BYTES" ]; then',
    '    i="$KEEP"',
    '    rm -f "$AUDIT_FILE.$i"',
    '    while [ "$i" -gt 1 ]; do',
    '      j=$((i - 1))',
    '      if [ -f "$AUDIT_FILE.$j" ]; then mv "$AUDIT_FILE.$j" "$AUDIT_FILE.$i"; fi',
    '      i="$j"',
    '    done',
    '    mv "$AUDIT_FILE" "$AUDIT_FILE.1"',
    // No `${...}` parameter expansion: Terraform would read it as an interpolation in the Helm values.
    '    if [ -n "$reason" ]; then reason="$reason, audit file rotated"; else reason="audit file rotated"; fi',
    '  fi',
    '  if [ -n "$reason" ]; then',
    '    pid="$(pidof vault || true)"',
    '    if [ -n "$pid" ]; then kill -HUP $pid && echo "reloader: SIGHUP to vault ($reason)"; else echo "reloader: vault not running ($reason)"; fi',
    '  fi',
    '  sleep "$INTERVAL"',
    'done',
  ].join('\n');
}

/** Environment of the script. */
export function reloaderEnv(props: ReloaderProps): Record<string, string> {
  if (!Number.isInteger(props.keep) || props.keep < 1) throw new Error(`'keep' must be a whole number of at least 1. Received: ${props.keep}`);
  if (!(props.rotateAtBytes > 0)) throw new Error(`'rotateAtBytes' must be positive. Received: ${props.rotateAtBytes}`);
  return {
    CERT_FILE: props.certFile ?? '',
    AUDIT_FILE: props.auditFile ?? '',
    ROTATE_AT_BYTES: String(props.rotateAtBytes),
    KEEP: String(props.keep),
    INTERVAL: String(props.intervalSeconds ?? 30),
  };
}
