// (host, port) to WebSocket URL, in the order SPEC section 2 gives.
import type { Settings } from './config';
import { warn } from './console';

/** Host names and IP literals only: nothing that could reshape the URL. */
const HOST_PATTERN = /^[\w.:[\]-]+$/;

/** Flash resolved a missing host to the SWF's own host; ours is the page's. */
function pageHost(): string {
  return (globalThis as { location?: Location }).location?.hostname || 'localhost';
}

function fillTemplate(template: string, host: string, port: number): string {
  // An IPv6 literal goes in brackets, as URLs write it.
  const name = host.includes(':') && host[0] !== '[' ? `[${host}]` : host;
  return template.replace(/\{host\}/g, name).replace(/\{port\}/g, `${port}`);
}

let defaultWarned = false;

function defaultTemplate(): string {
  const secure = (globalThis as { location?: Location }).location?.protocol === 'https:';
  const template = `${secure ? 'wss' : 'ws'}://{host}:{port}/`;
  // The default reaches the game server itself, which speaks TCP, not WebSocket: almost
  // always a forgotten setting, and otherwise a silent wait for the timeout.
  if (!defaultWarned) warn(`no data-url or configure({ url }): using ${template}`);
  defaultWarned = true;
  return template;
}

/**
 * The WebSocket URL for (host, port), or `null` when there is no route. The port is
 * assumed valid (1..65535); the caller checks it.
 */
export function resolveUrl(settings: Settings, host: string | null | undefined, port: number): string | null {
  const name = host == null || host === '' ? pageHost() : String(host);
  const proxy = settings.socketProxy?.find((entry) => entry.host === name && entry.port === port);
  if (proxy) return proxy.proxyUrl;
  const { url } = settings;
  if (typeof url === 'function') {
    return url(name, port) || null;
  }
  if (!HOST_PATTERN.test(name)) return null;
  return fillTemplate(url ?? defaultTemplate(), name, port);
}
