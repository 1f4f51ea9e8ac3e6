/**
 * The `xmlsocket-bridge` command: parses flags, runs the bridge, and shuts it down
 * gracefully on SIGTERM/SIGINT. Operator mistakes print one line and exit with 2.
 */
import { parseArgs, helpText } from './args.js';
import { createBridge, type Bridge } from './bridge.js';
import { BridgeError } from './errors.js';
import { DEFAULTS, parseSeconds } from './options.js';
import { packageVersion } from './version.js';

const EXIT_USAGE = 2;

function fail(err: unknown): never {
  if (err instanceof BridgeError) {
    process.stderr.write(`xmlsocket-bridge: ${err.message} [${err.code}]\n`);
    process.exit(EXIT_USAGE);
  }
  process.stderr.write(`xmlsocket-bridge: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
}

async function main(argv: readonly string[]): Promise<void> {
  let bridge: Bridge;
  let shutdownMs: number = DEFAULTS.shutdownTimeout * 1000;
  try {
    const parsed = parseArgs(argv);
    if (parsed.kind === 'help') {
      process.stdout.write(helpText());
      return;
    }
    if (parsed.kind === 'version') {
      process.stdout.write(`${packageVersion()}\n`);
      return;
    }
    bridge = createBridge(parsed.options);
    if (parsed.options.shutdownTimeout !== undefined) shutdownMs = parseSeconds('shutdownTimeout', parsed.options.shutdownTimeout, false);
    await bridge.listen();
  } catch (err) {
    fail(err);
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second signal means "now": skip the remaining close handshakes.
      process.stderr.write(`xmlsocket-bridge: ${signal} again, exiting at once\n`);
      process.exit(1);
    }
    stopping = true;
    // Backstop in case a socket ignores even the forced close.
    setTimeout(() => process.exit(1), shutdownMs + 5000).unref();
    bridge.close().then(
      () => process.exit(0),
      (err: unknown) => fail(err),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

void main(process.argv.slice(2));
