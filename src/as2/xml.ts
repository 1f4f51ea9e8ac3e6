// AS2's XML document class: an XMLNode without a name that owns the parser's
// results (status, xmlDecl, docTypeDecl, idMap) and the loading half.
// Flash behaviour reproduced from gnash testsuite/actionscript.all/XML.as and
// swfdec test/trace/xml-*.as (both checked against Flash Player).
import { postInit, sendOnly, startLoad } from './load.js';
import { parseInto } from './parse.js';
import { ELEMENT_NODE, TEXT_NODE, XMLNode } from './xml-node.js';

/**
 * AS2's `XML`: parse a string into a tree of {@link XMLNode}, load it over HTTP,
 * and turn it back into Flash's text format.
 *
 * @example
 * XML.prototype.ignoreWhite = true; // AS2's global switch still works
 * const doc = new XML('<player name="ann" score="3"><hat /></player>');
 * doc.firstChild.attributes.name; // 'ann'
 * doc.status;                     // 0
 * String(doc);                    // '<player name="ann" score="3"><hat /></player>'
 *
 * @example
 * const level = new XML();
 * level.onLoad = function (ok) { if (ok) start(this.firstChild); else showError(); };
 * level.load('levels/1.xml');
 */
export class XML extends XMLNode {
  /** @internal Per-instance ignoreWhite when set on the instance, else the prototype's. */
  declare _ignoreWhite: boolean;
  /** Content-Type of send/sendAndLoad; Flash's default is `application/x-www-form-urlencoded`. */
  declare contentType: string;

  /** Every `<?xml …?>` of the last parse, concatenated; undefined if none. */
  xmlDecl: string | undefined = undefined;
  /** The `<!DOCTYPE …>` of the last parse; undefined if none. */
  docTypeDecl: string | undefined = undefined;
  /** Flash 8: elements of the last parse by their `id` attribute. */
  idMap = Object.create(null) as Record<string, XMLNode>;
  /** Headers added by addRequestHeader, as name, value, name, value (Flash's own property name). */
  declare _customHeaders?: unknown[];
  /** @internal */ declare _bytesLoaded?: number;
  /** @internal */ declare _bytesTotal?: number;
  /** @internal */ _status = 0;
  /** @internal */ _loaded: boolean | undefined = undefined;

  /** `new XML()` is empty; `new XML(source)` parses `source` at once. */
  constructor(source?: unknown) {
    super(ELEMENT_NODE, null);
    if (source !== undefined) this.parseXML(source);
  }

  /**
   * Drop text nodes made only of spaces, tabs, CR and LF while parsing. Stored on
   * the prototype (default false), so `XML.prototype.ignoreWhite = true` switches
   * it for every document, as in AS2; assigned values become booleans.
   */
  get ignoreWhite(): boolean {
    return this._ignoreWhite;
  }
  set ignoreWhite(value: unknown) {
    if (value !== undefined) this._ignoreWhite = Boolean(value);
  }

  /**
   * Result of the last parse: 0, or one of Flash's negative codes (see
   * {@link XMLStatus}). Assigned values become numbers, as in Flash.
   */
  get status(): number {
    return this._status;
  }
  set status(value: unknown) {
    if (value === undefined) return;
    const n = Number(value);
    // Flash stored an int32 and gave 0x80000000 for anything it could not hold.
    this._status = Number.isFinite(n) && Math.abs(n) < 2 ** 31 ? Math.trunc(n) : -2147483648;
  }

  /** undefined until a load starts, false while loading, true once loaded. */
  get loaded(): boolean | undefined {
    return this._loaded;
  }
  set loaded(value: unknown) {
    if (value !== undefined) this._loaded = Boolean(value);
  }

  /**
   * Replaces this document's content with `source` parsed the Flash way. Never
   * throws: malformed input gives a partial tree and a negative `status`.
   */
  parseXML(source: unknown): void {
    if (source === undefined) return;
    this._clear();
    this.idMap = Object.create(null) as Record<string, XMLNode>;
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- Flash converts any value, objects too, with its toString()
    const result = parseInto(this, String(source), this.ignoreWhite, this.idMap);
    this._status = result.status;
    this.xmlDecl = result.xmlDecl;
    this.docTypeDecl = result.docTypeDecl;
  }

  /** A new, parentless element named `name`. */
  createElement(name: string): XMLNode {
    return new XMLNode(ELEMENT_NODE, String(name));
  }

  /** A new, parentless text node. */
  createTextNode(text: string): XMLNode {
    return new XMLNode(TEXT_NODE, String(text));
  }

  /**
   * Loads `url` with GET; the answer goes to `onData`, whose default parses it and
   * calls `onLoad(true)`, or `onLoad(false)` on 404, network error or CORS refusal.
   * Always returns true; the outcome arrives later.
   */
  load(url: string): boolean {
    startLoad(this, String(url));
    return true;
  }

  /**
   * POSTs this document to `url` (with `contentType` and the request headers). With
   * `target` (a window or frame name), shows the server's answer there.
   */
  send(url: string, target?: string): boolean {
    sendOnly(this, String(url), target === undefined ? undefined : String(target));
    return true;
  }

  /**
   * POSTs this document to `url` and loads the answer into `target` (usually
   * another XML object) through its `onData`. Returns false, doing nothing, when
   * `target` is not an object.
   */
  sendAndLoad(url: string, target: object): boolean {
    if (target === null || (typeof target !== 'object' && typeof target !== 'function')) return false;
    startLoad(target, String(url), postInit(this));
    return true;
  }

  /**
   * Adds headers to send/sendAndLoad: `(name, value)` or `([name, value, …])`.
   * Like Flash, ignores anything that is not a string.
   */
  addRequestHeader(name: string | string[], value?: string): void {
    if (!Object.prototype.hasOwnProperty.call(this, '_customHeaders')) this._customHeaders = [];
    const list = this._customHeaders;
    if (!Array.isArray(list)) return;
    const pairs = Array.isArray(name) ? name : [name, value];
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      if (typeof pairs[i] === 'string' && typeof pairs[i + 1] === 'string') list.push(pairs[i], pairs[i + 1]);
    }
  }

  /** Bytes loaded so far by load/sendAndLoad; undefined before any load. */
  getBytesLoaded(): number | undefined {
    return this._bytesLoaded;
  }

  /** Size of the document being loaded; undefined before it is known. */
  getBytesTotal(): number | undefined {
    return this._bytesTotal;
  }

  /**
   * Receives the raw text of a load (undefined on failure). The default, like
   * Flash's, parses it, sets `loaded` and calls `onLoad`. Replace it to get the raw
   * text instead.
   */
  onData(src: string | undefined): void {
    if (src === undefined || src === null) {
      this.onLoad(false);
      return;
    }
    this.parseXML(src);
    this.loaded = true;
    this.onLoad(true);
  }

  /** Called after a load with success true or false. Does nothing until replaced. */
  onLoad(_success: boolean): void {}
}

XML.prototype._ignoreWhite = false;
XML.prototype.contentType = 'application/x-www-form-urlencoded';
