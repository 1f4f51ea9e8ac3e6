/** @module xmlsocket-polyfill/xmldom */
// Entry for Web Workers and Node: the library with @xmldom/xmldom as its XML parser
// and serializer, used where no DOMParser/XMLSerializer exists. Importing it
// configures that (its one side effect); the core bundle stays free of xmldom.
import { DOMParser, onErrorStopParsing, XMLSerializer } from '@xmldom/xmldom';
import { configure, type XMLParserLike, type XMLSerializerLike } from './index';

export * from './index';

// Stop at the first error, as browsers do.
const xmldom = new DOMParser({ onError: onErrorStopParsing });

const escapeText = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/**
 * xmldom throws on XML that is not well-formed; browsers return a document holding a
 * `<parsererror>` instead, and `onXML` must get a document either way.
 */
export const xmldomParser: XMLParserLike = {
  parseFromString(source) {
    try {
      return xmldom.parseFromString(source, 'text/xml') as unknown as Document;
    } catch (error) {
      const report = `<parsererror xmlns="http://www.w3.org/1999/xhtml">${escapeText(String(error))}</parsererror>`;
      return xmldom.parseFromString(report, 'text/xml') as unknown as Document;
    }
  },
};

configure({ parser: xmldomParser, serializer: new XMLSerializer() as unknown as XMLSerializerLike });
