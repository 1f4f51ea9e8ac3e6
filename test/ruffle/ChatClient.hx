import flash.events.DataEvent;
import flash.events.Event;
import flash.events.IOErrorEvent;
import flash.events.SecurityErrorEvent;
import flash.external.ExternalInterface;
import flash.net.XMLSocket;

/**
 * A Flash-era client of the demo's chat server, in ActionScript 3 as Haxe writes it:
 * `haxe -swf` compiles it to the SWF the Ruffle tests and the Ruffle benchmark run (the
 * SWF is built at test time, never kept). It plays a game's part on its own: it logs
 * in, and when a login server answers with `<world host port/>` and closes, it goes to
 * that world server and logs in again, as games with login and world servers did.
 *
 * The page drives it and hears from it through ExternalInterface, Ruffle's bridge
 * between the SWF and JavaScript (the page loads it with `allowScriptAccess: true`):
 * - the page calls `swfPlay(host, port, nick)`, `swfConnect(host, port)`,
 *   `swfSend(text)`, `swfSay(text)` and `swfClose()` on the player element;
 * - the SWF calls the page's `xmlsocketSwfEvent(type, detail)` for every socket event:
 *   `ready`, `connect`, `close`, `ioError` (its text), `securityError` (its text),
 *   `data` (the message, as the socket delivered it), `sent` (what it sent) and
 *   `error` (what `connect` threw).
 */
class ChatClient {
	static var socket:XMLSocket;
	static var nick:String = null;
	/** The world server a login server named, until its connection closes. */
	static var world:{host:String, port:Int} = null;

	static function main() {
		socket = new XMLSocket();
		socket.addEventListener(Event.CONNECT, function(_) {
			report("connect", "");
			if (nick != null) send('<login nick="' + StringTools.htmlEscape(nick, true) + '"/>');
		});
		socket.addEventListener(Event.CLOSE, function(_) {
			report("close", "");
			// Flash games moved on once the login server had closed the connection.
			if (world != null) {
				var next = world;
				world = null;
				connect(next.host, next.port);
			}
		});
		socket.addEventListener(IOErrorEvent.IO_ERROR, function(e:IOErrorEvent) report("ioError", e.text));
		socket.addEventListener(SecurityErrorEvent.SECURITY_ERROR, function(e:SecurityErrorEvent) report("securityError", e.text));
		socket.addEventListener(DataEvent.DATA, function(e:DataEvent) {
			report("data", e.data);
			var root = try Xml.parse(e.data).firstElement() catch (_:Dynamic) null;
			if (root != null && root.nodeName == "world") world = {host: root.get("host"), port: Std.parseInt(root.get("port"))};
		});

		ExternalInterface.addCallback("swfPlay", function(host:String, port:Int, name:String) {
			nick = name;
			connect(host, port);
		});
		ExternalInterface.addCallback("swfConnect", function(host:String, port:Int) {
			nick = null;
			connect(host, port);
		});
		ExternalInterface.addCallback("swfSend", send);
		ExternalInterface.addCallback("swfSay", function(text:String) send("<msg>" + StringTools.htmlEscape(text) + "</msg>"));
		ExternalInterface.addCallback("swfClose", function() socket.close());
		report("ready", "");
	}

	/**
	 * Connects, reporting an error `connect` throws (the player would only log it). The
	 * catch names Flash's own Error class: Haxe's catch-all would wrap the error in a
	 * haxe.Exception, which reads its stack trace, and players without a debugger
	 * (Ruffle included) give none.
	 */
	static function connect(host:String, port:Int) {
		try {
			socket.connect(host, port);
		} catch (e:flash.errors.Error) {
			report("error", e.name + ": " + e.message);
		}
	}

	static function send(text:String) {
		socket.send(text);
		report("sent", text);
	}

	static function report(type:String, detail:String) {
		ExternalInterface.call("xmlsocketSwfEvent", type, detail);
	}
}
