/**
 * Structured logging: one JSON object per line, filtered by `quiet` / `verbose`.
 */

/** Severity of a log line. `debug` only with `verbose`; `quiet` keeps `warn` and `error`. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * One structured log line. Every line has `time` (ISO 8601), `level` and `event`;
 * the other fields depend on the event:
 * - `listening`: `address`, `tls`, `proxyProtocol`, `rawTcp`, `policyAddress` (with
 *   `policyListen`), `origins`
 * - `refused`: `status` (`null` when the connection was closed unanswered), `reason`,
 *   `ip`, `path`, `origin`; where no HTTP request was read (`proxy_protocol`,
 *   `max_handshakes`, `unexpected_tls`, `bad_policy_request`, a raw TCP client's) only
 *   `ip`, `detail` and, for a raw client, `transport` and `target`
 * - `connection` (once per pair, when it ends): `id`, `transport` (`websocket` or `tcp`),
 *   `ip`, `path`, `target`, `framing`, `start`, `end`, `durationMs`, `bytesToTarget`,
 *   `bytesToClient`, `messagesToTarget`, `messagesToClient`, `closeCode`, `reason` (a raw
 *   TCP pair has no `path`, `framing` or `closeCode`)
 * - `open` (verbose): `id`, `transport`, `ip`, `path`, `target`, `framing`
 * - `diagnosis` (verbose): `ip`, `path`, `origin`, `verdict` (a refusal reason, or
 *   `admitted`), and for a target that failed `detail`: the library asked why its
 *   handshake was refused
 * - `shutdown`, `closed`, `warning`
 * - `tls_reloaded` (`cert`, `validTo`) or `tls_reload_failed` (`cert`, `message`): the
 *   certificate was read again (SIGHUP)
 * - with `--workers N`, every worker line also has `worker` (cluster id) and `pid`; the
 *   primary writes `worker_started`, `worker_exit` (`worker`, `pid`, `code`, `signal`,
 *   `replacing`), `worker_failed`, `fleet_listening` (`address`, `workers`), `reload`
 *   (`workers`: SIGHUP passed on), `shutdown`, `closed`
 */
export interface LogLine {
  time: string;
  level: LogLevel;
  event: string;
  [field: string]: unknown;
}

/** Receives every line that passes the level filter. */
export type LogSink = (line: LogLine) => void;

/** A logger bound to a sink and level. */
export interface Logger {
  log(level: LogLevel, event: string, fields?: Record<string, unknown>): void;
}

/** Default sink: JSON lines; info and debug on stdout, warnings and errors on stderr. */
export const consoleSink: LogSink = (line) => {
  const text = `${JSON.stringify(line)}\n`;
  if (line.level === 'warn' || line.level === 'error') process.stderr.write(text);
  else process.stdout.write(text);
};

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * Logs at most one line per `intervalMs` for an event a flood can repeat thousands of
 * times a second; the next line carries how many were left out (`suppressed`).
 */
export function throttled(logger: Logger, intervalMs = 1000): Logger {
  let last = -Infinity;
  let suppressed = 0;
  return {
    log(level, event, fields) {
      const now = Date.now();
      if (now - last < intervalMs) {
        suppressed += 1;
        return;
      }
      last = now;
      logger.log(level, event, suppressed > 0 ? { ...fields, suppressed } : fields);
      suppressed = 0;
    },
  };
}

/** Creates a logger; `quiet` wins over `verbose` if both are set. */
export function createLogger(sink: LogSink | undefined, quiet: boolean, verbose: boolean): Logger {
  const min = quiet ? RANK.warn : verbose ? RANK.debug : RANK.info;
  const out = sink ?? consoleSink;
  return {
    log(level, event, fields) {
      if (RANK[level] < min) return;
      try {
        out({ time: new Date().toISOString(), level, event, ...fields });
      } catch {
        // A throwing sink must not take a connection down with it.
      }
    },
  };
}
