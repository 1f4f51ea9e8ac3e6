/**
 * The messages a `--workers` primary and its workers exchange over the cluster IPC
 * channel. Every type is prefixed so they never collide with other libraries' messages.
 */
import type { MetricsSnapshot } from '../metrics.js';
import type { Health } from '../status.js';

/** Worker → primary: answer `/healthz` or `/metrics` for the fleet. */
export interface AskMessage {
  type: 'xmlsocket-bridge:ask';
  id: number;
  what: 'health' | 'metrics';
}

/** Primary → worker: the answer to an {@link AskMessage}. */
export type AnswerMessage =
  | { type: 'xmlsocket-bridge:answer'; id: number; ok: true; health?: Health; metrics?: string }
  | { type: 'xmlsocket-bridge:answer'; id: number; ok: false; error: string };

/** Primary → worker: send me your counters. */
export interface CollectMessage {
  type: 'xmlsocket-bridge:collect';
  id: number;
}

/** Worker → primary: the counters asked for by a {@link CollectMessage}. */
export interface CollectedMessage {
  type: 'xmlsocket-bridge:collected';
  id: number;
  metrics: MetricsSnapshot;
}

/** Primary → worker: drain (1001 to every client) and exit 0. */
export interface ShutdownMessage {
  type: 'xmlsocket-bridge:shutdown';
}

/** Primary → worker: read `--cert`/`--key` again (the primary got SIGHUP). */
export interface ReloadMessage {
  type: 'xmlsocket-bridge:reload';
}

/** Worker → primary, just before exiting: the one-line error that stopped it. */
export interface FailedMessage {
  type: 'xmlsocket-bridge:failed';
  line: string;
}

export type PrimaryMessage = AnswerMessage | CollectMessage | ShutdownMessage | ReloadMessage;
export type WorkerMessage = AskMessage | CollectedMessage | FailedMessage;

/** Whether an IPC message is one of ours with the given type. */
export function isMessage<T extends { type: string }>(message: unknown, type: T['type']): message is T {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;
}
