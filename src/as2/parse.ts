// Flash Player's AS2 XML parser: lenient, non-validating, stopping at the first
// error with a status code and keeping the tree built so far.
//
// Why hand-written and not @xmldom/xmldom or DOMParser: measured on the Flash
// Player recordings in swfdec's test/trace/xml-errors-7.swf.trace, xmldom 0.9
// (with onError) throws on 12 of 14 cases instead of giving a partial tree (unclosed
// and mismatched tags, unterminated comment/declaration/doctype, several top-level
// elements) and drops top-level text, and its error model has no way to express
// Flash's status codes; DOMParser returns a <parsererror> document for all of them.
// Flash's grammar is small enough that a single pass over the string is shorter than
// the code that would repair another parser's output, and it keeps the script-tag
// bundle free of a 40 kB dependency.
//
// Behaviour sources (inputs and outputs recorded from Flash Player):
// swfdec test/trace/xml-errors.as, gnash testsuite/actionscript.all/XML.as,
// Ruffle tests/swfs/avm1/asnative_xml_parser.
import { ELEMENT_NODE, TEXT_NODE, XMLNode } from './xml-node.js';

/** AS2 `XML.status` values. */
export const XMLStatus = {
  /** Parsed without error. */
  OK: 0,
  /** A CDATA section was not terminated. */
  CDATA_NOT_TERMINATED: -2,
  /** The XML declaration was not terminated. */
  XMLDECL_NOT_TERMINATED: -3,
  /** The DOCTYPE declaration was not terminated. */
  DOCTYPE_NOT_TERMINATED: -4,
  /** A comment was not terminated. */
  COMMENT_NOT_TERMINATED: -5,
  /** An element was malformed (bad attribute, tag cut off by the end of input). */
  ELEMENT_MALFORMED: -6,
  /** Out of memory (Flash only; never produced here). */
  OUT_OF_MEMORY: -7,
  /** An attribute value was not terminated. */
  ATTRIBUTE_NOT_TERMINATED: -8,
  /** A start tag was not matched with an end tag. */
  START_TAG_NOT_CLOSED: -9,
  /** An end tag was encountered without a matching start tag. */
  END_TAG_WITHOUT_START: -10,
} as const;

/** What parsing produced besides the tree. */
export interface ParseResult {
  status: number;
  /** Every `<?xml …?>` found, concatenated (Flash kept them all). */
  xmlDecl: string | undefined;
  /** The last complete `<!DOCTYPE …>`. */
  docTypeDecl: string | undefined;
}

const LT = 60; // <
const GT = 62; // >
const SLASH = 47;
const EQ = 61;

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

function startsWithCI(src: string, at: number, word: string): boolean {
  return src.substr(at, word.length).toUpperCase() === word;
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
// Flash decoded the five XML entities and &nbsp; (any case), and numeric references
// by their leading decimal digits: "&#229e2;" is "å" (gnash XML.as, checked against
// Flash Player). Anything else, "&#xe5;", "&#ee229;" or a lone "&", stays as text.
const REFERENCE = /&(?:(amp|lt|gt|quot|apos|nbsp)|#(\d+)[0-9a-z]*);/gi;

/**
 * Decodes character references the way Flash did; malformed ones are kept as text.
 *
 * @example unescapeXML('a &AMP; b &#229; &bogus;') // 'a & b å &bogus;'
 */
export function unescapeXML(text: string): string {
  if (text.indexOf('&') < 0) return text;
  return text.replace(REFERENCE, (whole, name: string | undefined, digits: string | undefined) => {
    if (name !== undefined) return NAMED[name.toLowerCase()]!;
    const code = parseInt(digits!, 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/**
 * Parses `src` into `root` (which must be empty) the way Flash Player's
 * `XML.parseXML` did. Elements with an `id` attribute are also put in `idMap`.
 * Never throws: errors end the parse and show in `status`.
 *
 * @example
 * const doc = new XMLNode(1, null);
 * parseInto(doc, '<a><b></a><c/>', false, {}).status; // -9, doc holds <a><b /></a>
 */
export function parseInto(
  root: XMLNode,
  src: string,
  ignoreWhite: boolean,
  idMap: Record<string, XMLNode>,
): ParseResult {
  const result: ParseResult = { status: XMLStatus.OK, xmlDecl: undefined, docTypeDecl: undefined };
  const n = src.length;
  let node = root;
  let p = 0;

  /** Ends the parse with `status`. */
  const fail = (status: number): number => {
    result.status = status;
    return n;
  };

  const skipSpace = (at: number): number => {
    while (at < n && isSpace(src.charCodeAt(at))) at++;
    return at;
  };

  /** One `name="value"` at `at`; returns the index after it, or n on error. */
  const parseAttribute = (element: XMLNode, at: number): number => {
    let end = at;
    for (let c = src.charCodeAt(end); end < n && c !== EQ && c !== GT && !isSpace(c); c = src.charCodeAt(++end));
    if (end === at) return fail(XMLStatus.ELEMENT_MALFORMED);
    const name = unescapeXML(src.slice(at, end));
    end = skipSpace(end);
    if (src.charCodeAt(end) !== EQ) return fail(XMLStatus.ELEMENT_MALFORMED);
    const open = skipSpace(end + 1);
    const quote = src[open];
    if (quote !== '"' && quote !== "'") return fail(XMLStatus.ELEMENT_MALFORMED);
    // Flash let a backslash escape the quote character inside a value.
    let close = src.indexOf(quote, open + 1);
    while (close > 0 && src.charCodeAt(close - 1) === 92) close = src.indexOf(quote, close + 1);
    if (close < 0) return fail(XMLStatus.ATTRIBUTE_NOT_TERMINATED);
    // The first of duplicate attributes wins.
    if (!(name in element._attributes)) element._attributes[name] = unescapeXML(src.slice(open + 1, close));
    return close + 1;
  };

  /** A start or end tag at `at` (on '<'); returns the index after it. */
  const parseTag = (at: number): number => {
    const isEnd = src.charCodeAt(at + 1) === SLASH;
    const nameStart = isEnd ? at + 2 : at + 1;
    let end = nameStart;
    for (let c = src.charCodeAt(end); end < n && c !== GT && !isSpace(c); c = src.charCodeAt(++end));
    // "<a/>" names "a", but "<a/ >" names "a/": only a slash right before '>' ends
    // the name. Flash applied this to end tags too, so "</a/>" closes "a".
    if (src.charCodeAt(end) === GT && src.charCodeAt(end - 1) === SLASH && end - 1 >= nameStart) end--;
    if (end <= nameStart || end >= n) return fail(XMLStatus.ELEMENT_MALFORMED);
    const name = src.slice(nameStart, end);

    if (isEnd) {
      const gt = src.indexOf('>', end);
      if (gt < 0) return fail(XMLStatus.ELEMENT_MALFORMED);
      // Flash compared end tags without regard to ASCII case.
      const upper = name.toUpperCase();
      if (node !== root && node._name!.toUpperCase() === upper) {
        node = node._parent!;
        return gt + 1;
      }
      // A mismatch stops the parse: -9 when the name is open further up (the
      // elements in between were never closed), -10 when it is not open at all.
      for (let up = node._parent; up !== null; up = up._parent) {
        if (up !== root && up._name !== null && up._name.toUpperCase() === upper) {
          return fail(XMLStatus.START_TAG_NOT_CLOSED);
        }
      }
      return fail(XMLStatus.END_TAG_WITHOUT_START);
    }

    const element = new XMLNode(ELEMENT_NODE, name);
    let q = skipSpace(end);
    while (q < n) {
      const c = src.charCodeAt(q);
      if (c === GT || (c === SLASH && src.charCodeAt(q + 1) === GT)) break;
      q = skipSpace(parseAttribute(element, q));
    }
    if (q < n && src.charCodeAt(q) === SLASH) q++;
    // An element cut off by the end of input, or with a bad attribute, is dropped
    // whole: Flash only added elements whose start tag was complete.
    if (q >= n) return result.status === XMLStatus.OK ? fail(XMLStatus.ELEMENT_MALFORMED) : n;
    node._append(element);
    const id = element._attributes.id;
    if (id !== undefined && id !== '') idMap[id] = element;
    if (src.charCodeAt(q - 1) !== SLASH) node = element;
    return q + 1;
  };

  while (result.status === XMLStatus.OK && p < n) {
    if (src.charCodeAt(p) !== LT) {
      let end = src.indexOf('<', p);
      if (end < 0) end = n;
      let keep = !ignoreWhite;
      for (let i = p; !keep && i < end; i++) keep = !isSpace(src.charCodeAt(i));
      if (keep) node._append(new XMLNode(TEXT_NODE, unescapeXML(src.slice(p, end))));
      p = end;
    } else if (startsWithCI(src, p + 1, '?XML')) {
      const end = src.indexOf('?>', p);
      if (end < 0) p = fail(XMLStatus.XMLDECL_NOT_TERMINATED);
      else {
        result.xmlDecl = (result.xmlDecl ?? '') + src.slice(p, end + 2);
        p = end + 2;
      }
    } else if (startsWithCI(src, p + 1, '!DOCTYPE')) {
      // Brackets nest, so an internal subset "<!DOCTYPE a [<!ENTITY …>]>" is kept whole.
      let depth = 1;
      let q = p + 1;
      for (; q < n && depth > 0; q++) {
        const c = src.charCodeAt(q);
        if (c === LT) depth++;
        else if (c === GT) depth--;
      }
      if (depth > 0) p = fail(XMLStatus.DOCTYPE_NOT_TERMINATED);
      else {
        result.docTypeDecl = src.slice(p, q);
        p = q;
      }
    } else if (src.startsWith('!--', p + 1)) {
      // Comments are dropped: AS2 trees have no comment nodes.
      const end = src.indexOf('-->', p + 2);
      p = end < 0 ? fail(XMLStatus.COMMENT_NOT_TERMINATED) : end + 3;
    } else if (startsWithCI(src, p + 1, '![CDATA')) {
      // CDATA becomes a text node, kept verbatim and even when ignoreWhite is set.
      const start = p + 9;
      const end = src.indexOf(']]>', start);
      if (end < 0) p = fail(XMLStatus.CDATA_NOT_TERMINATED);
      else {
        node._append(new XMLNode(TEXT_NODE, src.slice(start, end)));
        p = end + 3;
      }
    } else {
      p = parseTag(p);
    }
  }

  if (result.status === XMLStatus.OK && node !== root) result.status = XMLStatus.START_TAG_NOT_CLOSED;
  return result;
}
