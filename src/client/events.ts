// The event classes, named after their ActionScript 3 counterparts.

/** AS3 `DataEvent`: one message arrived. `.data` is its source text. */
export class DataEvent extends Event {
  constructor(
    type: string,
    readonly data: string,
  ) {
    super(type);
  }
}

/** The default `onData` parsed a message: `.document` is what `onXML` received. */
export class XMLEvent<D = Document> extends Event {
  constructor(
    type: string,
    readonly data: string,
    readonly document: D,
  ) {
    super(type);
  }
}

/** What AS3's error events carry: Flash's error text and number, and a reason for people. */
class SocketErrorEvent extends Event {
  /**
   * Flash's error text, then the reason: Flash too went on after its words
   * ("Error #2031: Socket Error. URL: host"), so code that tests the start still works.
   */
  readonly text: string;

  constructor(
    type: string,
    flashText: string,
    readonly errorID: number,
    readonly reason: string,
  ) {
    super(type);
    this.text = `${flashText} ${reason}`;
  }
}

/** AS3 `IOErrorEvent`: the connection attempt failed (`errorID` 2031). */
export class IOErrorEvent extends SocketErrorEvent {
  constructor(type: string, reason: string) {
    super(type, 'Error #2031: Socket Error.', 2031, reason);
  }
}

/** AS3 `SecurityErrorEvent`: the browser refused the URL (mixed content, blocked port; `errorID` 2048). */
export class SecurityErrorEvent extends SocketErrorEvent {
  constructor(type: string, reason: string) {
    super(type, 'Error #2048: Security sandbox violation.', 2048, reason);
  }
}

/** Event types and their classes, for typed `addEventListener`. */
export interface XMLSocketEventMap {
  connect: Event;
  close: Event;
  data: DataEvent;
  xml: XMLEvent;
  ioError: IOErrorEvent;
  securityError: SecurityErrorEvent;
}
