// The demo chat server: plain TCP, NUL-terminated XML, one room. It knows nothing of
// WebSocket or the web; the bridge puts it in front of browsers unchanged.
// The protocol is described at the top of ./protocol.ts.
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { encodeMessage, MessageSplitter } from './framing.js';
import {
  element,
  errorMessage,
  parseRequest,
  POLICY_FILE,
  ProtocolError,
  usersMessage,
  type Request,
} from './protocol.js';

export interface ChatServerOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Room name sent in `<welcome>`. */
  room?: string;
  /** Most bytes a client may send without a zero byte; beyond it the client is cut off. Default 64 KiB. */
  maxMessageBytes?: number;
  /** Most bytes queued for a client that does not read; beyond it the client is dropped. Default 1 MiB. */
  maxQueuedBytes?: number;
  /**
   * Makes this a login server, as games with a login server and world servers had: it
   * answers `<login>` with `<world host port/>` naming this world server, and closes.
   */
  world?: { host: string; port: number };
  /** Called with one line per connection event; default: silent. */
  log?: (line: string) => void;
}

export interface ChatServer {
  readonly host: string;
  readonly port: number;
  /** Nicknames of the users logged in now. */
  users(): string[];
  /** Stops listening and drops every client (they see the TCP connection close). */
  close(): Promise<void>;
}

interface Client {
  socket: Socket;
  nick: string | null;
}

/** Starts the chat server; resolves once it listens. */
export async function startChatServer(options: ChatServerOptions = {}): Promise<ChatServer> {
  const room = options.room ?? 'Lobby';
  const maxMessageBytes = options.maxMessageBytes ?? 64 * 1024;
  const maxQueuedBytes = options.maxQueuedBytes ?? 1024 * 1024;
  const log = options.log ?? (() => {});

  const clients = new Set<Client>();
  // Nicknames are unique without regard to case: "Alice" and "alice" would be confusing.
  const byNick = new Map<string, Client>();
  let topic = { text: 'Welcome! Be nice.', by: 'server', t: new Date().toISOString() };

  function send(client: Client, xml: string): void {
    if (client.socket.destroyed) return;
    // A client that stops reading must not make the server queue without end.
    if (client.socket.writableLength > maxQueuedBytes) {
      log(`dropping ${client.nick ?? 'a client'}: not reading`);
      client.socket.destroy();
      return;
    }
    client.socket.write(encodeMessage(xml));
  }

  function broadcast(xml: string, except?: Client): void {
    for (const client of byNick.values()) if (client !== except) send(client, xml);
  }

  function handle(client: Client, request: Request): void {
    switch (request.type) {
      case 'policy-file-request':
        // As Flash-era servers did: the policy, then close.
        client.socket.end(encodeMessage(POLICY_FILE));
        return;
      case 'ping':
        send(client, '<pong/>');
        return;
      case 'login': {
        if (client.nick !== null) throw new ProtocolError('already-logged-in', `You are already "${client.nick}".`);
        if (options.world) {
          // The player logs in again at the world server; this connection has done its job.
          log(`${request.nick} sent to ${options.world.host}:${options.world.port}`);
          client.socket.end(
            encodeMessage(element('world', { host: options.world.host, port: String(options.world.port) })),
          );
          return;
        }
        const key = request.nick.toLowerCase();
        if (byNick.has(key))
          throw new ProtocolError('nick-taken', `"${request.nick}" is taken; pick another nickname.`);
        client.nick = request.nick;
        byNick.set(key, client);
        log(`${request.nick} joined`);
        send(client, element('welcome', { nick: request.nick, room }));
        send(client, element('topic', { by: topic.by, t: topic.t }, topic.text));
        send(client, usersMessage(nicks()));
        broadcast(element('join', { nick: request.nick }), client);
        return;
      }
      case 'msg':
        broadcast(element('msg', { from: loggedIn(client), t: new Date().toISOString() }, request.text));
        return;
      case 'topic':
        topic = { text: request.text, by: loggedIn(client), t: new Date().toISOString() };
        broadcast(element('topic', { by: topic.by, t: topic.t }, topic.text));
        return;
    }
  }

  function loggedIn(client: Client): string {
    if (client.nick === null) throw new ProtocolError('not-logged-in', 'Log in first: <login nick="..."/>.');
    return client.nick;
  }

  function nicks(): string[] {
    return [...byNick.values()].map((c) => c.nick!);
  }

  function leave(client: Client): void {
    clients.delete(client);
    if (client.nick === null) return;
    byNick.delete(client.nick.toLowerCase());
    log(`${client.nick} left`);
    broadcast(element('leave', { nick: client.nick }));
  }

  const server = createServer((socket) => {
    const client: Client = { socket, nick: null };
    const splitter = new MessageSplitter(maxMessageBytes);
    clients.add(client);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      const ok = splitter.push(chunk, (message) => {
        if (socket.destroyed || socket.writableEnded) return;
        try {
          handle(client, parseRequest(message));
        } catch (err) {
          if (!(err instanceof ProtocolError)) throw err;
          send(client, errorMessage(err.code, err.message));
        }
      });
      if (!ok) {
        log(`cutting off ${client.nick ?? 'a client'}: no zero byte within ${maxMessageBytes} bytes`);
        socket.end(encodeMessage(errorMessage('too-large', `Messages are at most ${maxMessageBytes} bytes.`)));
        socket.destroySoon();
      }
    });
    socket.on('error', () => {}); // resets are normal; 'close' follows
    socket.on('close', () => leave(client));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;

  return {
    host: address.address,
    port: address.port,
    users: nicks,
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const client of clients) client.socket.destroy();
      });
    },
  };
}
