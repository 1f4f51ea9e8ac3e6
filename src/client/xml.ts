// Parse, serialize, ignoreWhite and the parse-failure test. DOM only through the
// globals or the configured parser/serializer, so this runs in Workers and Node too.
import { missingError, type Settings, type XMLParserLike } from './config';

/** Stable code of the error thrown when no XML parser is available. */
export const NO_PARSER_ERROR = 'ERR_XMLSOCKET_NO_PARSER';

/** Spaces, tabs, CR and LF only: what Flash's ignoreWhite counts as white. */
const WHITE = /^[ \t\r\n]*$/;

let globalParser: XMLParserLike | undefined;

function parserFor(settings: Settings): XMLParserLike {
  if (typeof DOMParser === 'function') return (globalParser ??= new DOMParser());
  if (settings.parser) return settings.parser;
  throw missingError('DOMParser', 'parser', NO_PARSER_ERROR);
}

/** A DOM cannot hold top-level text, so an empty or blank message is an empty document. */
function emptyDocument(parser: XMLParserLike): Document {
  const doc = parser.parseFromString('<x/>', 'text/xml');
  doc.removeChild(doc.documentElement);
  return doc;
}

/**
 * Removes text nodes made only of spaces, tabs, CR and LF, as Flash's `ignoreWhite`.
 * With a stack, not recursion, so a deeply nested document cannot overflow.
 */
export function removeWhitespaceText(root: Node): void {
  const elements = [root];
  for (let parent; (parent = elements.pop());) {
    for (let node = parent.firstChild; node;) {
      const next: ChildNode | null = node.nextSibling;
      if (node.nodeType === 3 && WHITE.test(node.nodeValue!)) parent.removeChild(node);
      else if (node.nodeType === 1) elements.push(node);
      node = next;
    }
  }
}

/**
 * Parses one message for `onXML`: a DOM document (or what `documentFactory` makes).
 * Never throws for bad input: a message that is not well-formed gives the parser's
 * error document (see {@link isParseError}).
 */
export function parseMessage(source: string, settings: Settings, ignoreWhite: boolean): unknown {
  if (settings.documentFactory) return settings.documentFactory(source, ignoreWhite);
  const parser = parserFor(settings);
  if (WHITE.test(source)) return emptyDocument(parser);
  const doc = parser.parseFromString(source, 'text/xml');
  if (ignoreWhite) removeWhitespaceText(doc);
  return doc;
}

/**
 * Tells whether a document handed to `onXML` is a parse failure (the message was not
 * well-formed XML).
 *
 * @example
 * socket.onXML = (doc) => {
 *   if (isParseError(doc)) return console.warn('server sent bad XML');
 *   handle(doc.documentElement);
 * };
 */
export function isParseError(doc: Document | null | undefined): boolean {
  // Browsers put their report in a namespace of their own (XHTML in Chromium and
  // WebKit, Gecko's own in Firefox); a game's <parsererror> element would have none.
  return Array.from(doc?.getElementsByTagName?.('parsererror') ?? []).some((e) => e.namespaceURI);
}

/**
 * A DOM node, the browser's or xmldom's: it has a node type and an owner document.
 * AS2-style XML objects have no owner document and go through String().
 */
function isDomNode(value: unknown): value is Node {
  return typeof (value as Node | null)?.nodeType === 'number' && 'ownerDocument' in (value as object);
}

let globalSerializer: XMLSerializer | undefined;

/**
 * What `send(value)` puts on the wire: XMLSerializer for DOM nodes, String() otherwise.
 * The same text from every engine: a Document goes as its children, because Firefox
 * puts line breaks between them and rewrites its XML declaration (always UTF-8, as the
 * frame is), where Chromium and WebKit keep the source's; and Firefox writes a line
 * break or CR in an attribute as &#xA; / &#xD;, the others as &#10; / &#13;.
 */
export function toMessage(value: unknown, settings: Settings): string {
  if (!isDomNode(value)) return String(value);
  const serializer =
    typeof XMLSerializer === 'function' ? (globalSerializer ??= new XMLSerializer()) : settings.serializer;
  if (!serializer) throw missingError('XMLSerializer', 'serializer', NO_PARSER_ERROR);
  return (value.nodeType === 9 ? [...value.childNodes] : [value])
    .map((node) => serializer.serializeToString(node))
    .join('')
    .replace(/&#xA;/g, '&#10;')
    .replace(/&#xD;/g, '&#13;');
}
