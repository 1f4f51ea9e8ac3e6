/*
 * The demo chat protocol: what a Flash-era chat server spoke over XMLSocket.
 *
 * Every message, both ways, is one XML element in UTF-8 followed by one zero byte.
 *
 * Client to server
 *   <policy-file-request/>   Flash Player's question before a socket connect; answered
 *                            with a cross-domain policy, then the server closes.
 *   <login nick="NAME"/>     join the room. NAME: 1-16 letters, digits, "_", "." or "-".
 *   <msg>TEXT</msg>          say TEXT (1-500 characters) to everyone in the room.
 *   <topic>TEXT</topic>      set the room topic (at most 120 characters).
 *   <ping/>                  keep-alive; answered with <pong/>.
 *
 * Server to client
 *   <welcome nick="NAME" room="ROOM"/>   login accepted; <topic> and <users> follow.
 *   <users><user nick="A"/>...</users>   everyone in the room, the new user included.
 *   <join nick="A"/>  <leave nick="A"/>  someone came or went (not sent to A itself).
 *   <msg from="A" t="ISO-8601">TEXT</msg>  a message, to everyone, the sender included:
 *                                        the echo is the sender's confirmation.
 *   <topic by="A" t="ISO-8601">TEXT</topic>
 *   <pong/>
 *   <world host="H" port="P"/>           from a login server (started with a world server's
 *                                        address) instead of <welcome>: log in again at H:P.
 *                                        The login server then closes the connection.
 *   <error code="CODE">TEXT</error>      the request was refused; the connection stays
 *                                        open, except for code "too-large".
 *
 * Error codes: malformed (not well-formed XML), unknown (unknown element),
 * nick-invalid, nick-taken, not-logged-in, already-logged-in, empty (empty message),
 * too-long (text over its limit), too-large (no zero byte within the server's
 * buffer limit; the server closes).
 */
import { DOMParser, onWarningStopParsing } from '@xmldom/xmldom';

/** The answer Flash Player wanted before it let a SWF open a socket (Flash 9+). */
export const POLICY_FILE =
  '<?xml version="1.0"?><cross-domain-policy><allow-access-from domain="*" to-ports="*"/></cross-domain-policy>';

export const NICK_MAX = 16;
export const MSG_MAX = 500;
export const TOPIC_MAX = 120;

export type ErrorCode =
  | 'malformed'
  | 'unknown'
  | 'nick-invalid'
  | 'nick-taken'
  | 'not-logged-in'
  | 'already-logged-in'
  | 'empty'
  | 'too-long'
  | 'too-large';

export type Request =
  | { type: 'policy-file-request' }
  | { type: 'login'; nick: string }
  | { type: 'msg'; text: string }
  | { type: 'topic'; text: string }
  | { type: 'ping' };

/** A request the server refuses, with the code it answers. */
export class ProtocolError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

// Escaping: all five, so the same function is right in attributes quoted either way.
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes text for element content or a quoted attribute value. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Builds `<name a="v"...>text</name>` (or `<name .../>` without text), escaped. */
export function element(name: string, attributes: Record<string, string> = {}, text?: string): string {
  let xml = `<${name}`;
  for (const [key, value] of Object.entries(attributes)) xml += ` ${key}="${escapeXml(value)}"`;
  return text === undefined ? `${xml}/>` : `${xml}>${escapeXml(text)}</${name}>`;
}

export function usersMessage(nicks: Iterable<string>): string {
  let xml = '<users>';
  for (const nick of nicks) xml += element('user', { nick });
  return `${xml}</users>`;
}

export function errorMessage(code: ErrorCode, text: string): string {
  return element('error', { code }, text);
}

// xmldom accepts a bare "&" in text; a real XML parser (and Flash's) does not.
const BARE_AMPERSAND = /&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)/;
const parser = new DOMParser({ onError: onWarningStopParsing });

/** Parses one message into a request, or throws a ProtocolError saying why not. */
export function parseRequest(source: string): Request {
  let root: Element | null = null;
  if (!BARE_AMPERSAND.test(source)) {
    try {
      const doc = parser.parseFromString(source, 'text/xml');
      // No DTDs: nothing a client sends gets to define entities.
      if (!doc.doctype) root = doc.documentElement as unknown as Element | null;
    } catch {
      // reported below as malformed
    }
  }
  if (!root) throw new ProtocolError('malformed', 'The message is not well-formed XML.');

  switch (root.tagName) {
    case 'policy-file-request':
      return { type: 'policy-file-request' };
    case 'login':
      return { type: 'login', nick: validNick(root.getAttribute('nick') ?? '') };
    case 'msg': {
      const text = (root.textContent ?? '').trim();
      if (!text) throw new ProtocolError('empty', 'The message is empty.');
      if ([...text].length > MSG_MAX)
        throw new ProtocolError('too-long', `Messages are at most ${MSG_MAX} characters.`);
      return { type: 'msg', text };
    }
    case 'topic': {
      const text = (root.textContent ?? '').trim();
      if ([...text].length > TOPIC_MAX)
        throw new ProtocolError('too-long', `The topic is at most ${TOPIC_MAX} characters.`);
      return { type: 'topic', text };
    }
    case 'ping':
      return { type: 'ping' };
    default:
      throw new ProtocolError('unknown', `Unknown request <${root.tagName}>.`);
  }
}

const NICK = new RegExp(`^[\\p{L}\\p{N}_.-]{1,${NICK_MAX}}$`, 'u');

function validNick(raw: string): string {
  const nick = raw.normalize('NFC');
  if (!NICK.test(nick)) {
    throw new ProtocolError(
      'nick-invalid',
      `"${nick}" is not a valid nickname: use 1-${NICK_MAX} letters, digits, "_", "." or "-".`,
    );
  }
  return nick;
}
