/**
 * The `xmlsocket-bridge` command: parses flags, runs the bridge (or, with
 * `--workers N`, a cluster of N bridges sharing the port), shuts it down gracefully
 * on SIGTERM/SIGINT, and reloads `--cert`/`--key` on SIGHUP. Operator mistakes print
 * one line and exit with 2.
 */
import cluster from 'node:cluster';
import { parseArgs, helpText } from './args.js';
import { createBridge, type Bridge } from '../bridge.js';
import { BridgeError } from '../errors.js';
import type { FailedMessage } from './fleet-messages.js';
import { resolveOptions } from '../options.js';
import { ruffleConfigText } from '../ruffle-config.js';
import { packageVersion } from './version.js';

const EXIT_USAGE = 2;

function fail(err: unknown): never {
  const [line, code] =
    err instanceof BridgeError
      ? [`xmlsocket-bridge: ${err.message} [${err.code}]\n`, EXIT_USAGE]
      : [`xmlsocket-bridge: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`, 1];
  if (cluster.isWorker && process.connected) {
    // N workers failing alike would print N copies: the primary prints one.
    process.send!({ type: 'xmlsocket-bridge:failed', line } satisfies FailedMessage, () => process.exit(code));
    // Nothing else may run while the message goes out.
    return undefined as never;
  }
  process.stderr.write(line);
  process.exit(code);
}

async function main(argv: readonly string[]): Promise<void> {
  let bridge: Bridge;
  let shutdownMs: number;
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
    if (parsed.kind === 'ruffle-config') {
      const note = (line: string) => process.stderr.write(`xmlsocket-bridge: ${line}\n`);
      process.stdout.write(ruffleConfigText(resolveOptions(parsed.options), note));
      return;
    }
    // Every mistake surfaces here, once, before any worker starts.
    const config = resolveOptions(parsed.options);
    shutdownMs = config.shutdownTimeout;
    if (cluster.isWorker) {
      const { runWorker } = await import('./fleet-worker.js');
      await runWorker(parsed.options, shutdownMs);
      return;
    }
    const { parseWorkers, runPrimary } = await import('./fleet-primary.js');
    const workers = parseWorkers(parsed.command.workers ?? 1);
    if (workers > 1) {
      runPrimary({ workers, shutdownMs, quiet: config.quiet, verbose: config.verbose });
      return;
    }
    bridge = createBridge(parsed.options);
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
  // A renewed certificate, without dropping a connection. Also keeps SIGHUP (a closed
  // terminal, a supervisor's reload) from ending the process, Node's default.
  process.on('SIGHUP', () => {
    try {
      bridge.reloadTls();
    } catch {
      // Logged as tls_reload_failed; the old certificate stays in use.
    }
  });
}

void main(process.argv.slice(2));
