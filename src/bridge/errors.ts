/**
 * Errors the bridge raises for operators and embedders, each with a stable `code`.
 *
 * Codes are part of the public API: scripts and tests match on `code`, never on the
 * message text, which may be reworded.
 *
 * | code | when |
 * | --- | --- |
 * | `ERR_BRIDGE_UNKNOWN_OPTION` | a flag or config key the bridge does not know |
 * | `ERR_BRIDGE_INVALID_OPTION` | a known option with a value that cannot be used |
 * | `ERR_BRIDGE_NO_TARGET` | none of `target`, `routes`, `allow` was given |
 * | `ERR_BRIDGE_CONFIG_UNREADABLE` | `--config FILE` cannot be read |
 * | `ERR_BRIDGE_CONFIG_INVALID` | `--config FILE` is not a JSON object |
 * | `ERR_BRIDGE_TLS` | `cert`/`key` cannot be read or do not form a valid pair |
 * | `ERR_BRIDGE_STATIC_DIR` | `static` is not a readable directory |
 * | `ERR_BRIDGE_POLICY_FILE` | `policyFile` cannot be read or is not a cross-domain policy |
 * | `ERR_BRIDGE_ADDRESS_IN_USE` | the listen address is taken by another process |
 * | `ERR_BRIDGE_LISTEN` | listening failed for another reason (permission, bad host) |
 * | `ERR_BRIDGE_STATE` | `listen()` called twice, or after `close()` |
 */
export type BridgeErrorCode =
  | 'ERR_BRIDGE_UNKNOWN_OPTION'
  | 'ERR_BRIDGE_INVALID_OPTION'
  | 'ERR_BRIDGE_NO_TARGET'
  | 'ERR_BRIDGE_CONFIG_UNREADABLE'
  | 'ERR_BRIDGE_CONFIG_INVALID'
  | 'ERR_BRIDGE_TLS'
  | 'ERR_BRIDGE_STATIC_DIR'
  | 'ERR_BRIDGE_POLICY_FILE'
  | 'ERR_BRIDGE_ADDRESS_IN_USE'
  | 'ERR_BRIDGE_LISTEN'
  | 'ERR_BRIDGE_STATE';

/**
 * An operator or embedder mistake. The message is one line that names the problem,
 * so the CLI can print it as is.
 *
 * @example
 * ```ts
 * try { createBridge({ target: 'nowhere' }); }
 * catch (err) { if (err instanceof BridgeError && err.code === 'ERR_BRIDGE_INVALID_OPTION') … }
 * ```
 */
export class BridgeError extends Error {
  /** Stable machine-readable code; see the table above. */
  readonly code: BridgeErrorCode;

  constructor(code: BridgeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BridgeError';
    this.code = code;
  }
}
