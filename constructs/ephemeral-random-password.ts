import { TerraformElement } from 'cdktf';
import type { Construct } from 'constructs';
import type { Charset } from '../config/schema';

/** Props of an `ephemeral "random_password"` block (random provider 3.7+). */
export interface EphemeralRandomPasswordProps {
  /** Characters in the value, 16 to 4096. */
  readonly length: number;
  /** Which characters the value is drawn from. */
  readonly charset: Charset;
}

/** Longest password: a secret's values are cut from one password (constructs/generated-secret.ts). */
const MAX_LENGTH = 4096;

/** Symbols allowed in `alphanumeric-symbols` values: safe in URLs, shells and YAML. */
const SAFE_SYMBOLS = '-_.~!#%^*+=';

/**
 * An ephemeral random password: generated during plan/apply, never stored in plan or state.
 *
 * cdktf 0.21 has no binding for ephemeral resources, so this element writes the block itself into
 * the stack's JSON; `result` is the reference to pass to a write-only argument.
 */
export class EphemeralRandomPassword extends TerraformElement {
  private readonly props: EphemeralRandomPasswordProps;

  constructor(scope: Construct, id: string, props: EphemeralRandomPasswordProps) {
    super(scope, id);
    if (props.length < 16 || props.length > MAX_LENGTH) throw new Error(`'length' must be between 16 and ${MAX_LENGTH}. Received: ${props.length}`);
    this.props = props;
  }

  /** Reference to the generated value, usable only in write-only arguments and other ephemeral contexts. */
  public get result(): string {
    return `ephemeral.random_password.${this.friendlyUniqueId}.result`;
  }

  private body(): Record<string, unknown> {
    const { length, charset } = this.props;
    return {
      length,
      special: charset === 'alphanumeric-symbols',
      upper: charset !== 'lowercase-alphanumeric',
      lower: true,
      numeric: true,
      ...(charset === 'alphanumeric-symbols' ? { override_special: SAFE_SYMBOLS } : {}),
    };
  }

  public toTerraform(): Record<string, unknown> {
    return { ephemeral: { random_password: { [this.friendlyUniqueId]: this.body() } } };
  }

  public toHclTerraform(): Record<string, unknown> {
    return this.toTerraform();
  }
}
