// Package twilio owns Twilio's side of a phone call as Parley meets it: the
// signature on Twilio's webhooks, the TwiML that connects a call to a media
// stream, and the messages of that stream. It is pure: it reads and writes
// bytes and leaves sockets, keys and calls to its callers (package phone
// answers the webhook, package agent serves the stream).
//
// Everything here follows Twilio's public documentation, quoted below as
// read when this was written; Twilio could not be reached from where it was
// built, so the tests check it against the documentation's own examples.
//
// # Webhook signatures
//
// From "Secure webhooks" (https://www.twilio.com/docs/usage/webhooks/webhooks-security):
// "Twilio signs all HTTP requests to your app with an X-Twilio-Signature
// HTTP header." The string signed is "the full URL (with query string)
// you configured", then, for a POST, every form parameter "sorted
// alphabetically by key", name and value appended "with no delimiters";
// it is "hashed with the HMAC-SHA1 hashing algorithm using your account
// auth token as the secret key", and the digest is Base64-encoded. The
// documented example (URL https://mycompany.com/myapp.php?foo=1&bar=2,
// parameters CallSid=CA1234567890ABCDE, Caller=+12349013030, Digits=1234,
// From=+12349013030, To=+18005551212, auth token 12345) signs to
// 0/KCTR6DLpKmkAf8muzZqo1nDgQ=, which TestSignatureDocumentedExample
// checks.
//
// Two details come from Twilio's own helper library (twilio-node,
// src/webhooks/webhooks.ts), which the documentation points to: a
// parameter given several times contributes each of its values, sorted,
// and a URL is checked both with and without its scheme's default port,
// "since signature generation on the back end is inconsistent". The query
// string is part of the URL exactly as Twilio requested it, never
// re-ordered or re-encoded. ValidSignature compares in constant time.
//
// # TwiML
//
// From "TwiML Voice: <Stream>" (https://www.twilio.com/docs/voice/twiml/stream):
// "<Start><Stream> creates a unidirectional Stream. <Connect><Stream>
// creates a bidirectional Stream", and with <Connect> "Twilio does not
// execute the next set of TwiML instructions" until the WebSocket closes.
// "wss is the only supported protocol" for its url (error 31922), and
// values for the WebSocket server go in nested <Parameter name value>
// elements rather than a query string, which the url does not support;
// they arrive in the start message's customParameters. ConnectStream
// writes <Response><Connect><Stream url><Parameter/>...</Stream></Connect>
// <Say>...</Say></Response>: the <Say> is reached only when the server
// closes the stream. Reject answers a call with <Say> and <Hangup/>.
//
// # Media Streams messages
//
// From "Media Streams - WebSocket Messages"
// (https://www.twilio.com/docs/voice/media-streams/websocket-messages).
// Twilio sends JSON text frames, each with an "event":
//
//	connected  {"event":"connected","protocol":"Call","version":"1.0.0"}: "the first message"
//	start      sequenceNumber, streamSid, start{streamSid, accountSid, callSid,
//	           tracks ["inbound"], mediaFormat{encoding "audio/x-mulaw" (always),
//	           sampleRate 8000 (always), channels 1 (always)}, customParameters}
//	media      sequenceNumber, streamSid, media{track "inbound"|"outbound",
//	           chunk (from "1"), timestamp ("Presentation Timestamp in Milliseconds
//	           from the start of the stream"), payload ("Raw audio in encoded in base64")}
//	dtmf       sequenceNumber, streamSid, dtmf{track "inbound_track", digit}
//	           (bidirectional streams only)
//	mark       sequenceNumber, streamSid, mark{name}: sent back "when the audio
//	           that you have sent has been completed"
//	stop       sequenceNumber, streamSid, stop{accountSid, callSid}: "when the Stream
//	           has stopped or the call has ended"
//
// sequenceNumber, chunk and timestamp are decimal strings. On a
// bidirectional stream the server may send:
//
//	media  {"event":"media","streamSid","media":{"payload"}}: "Raw mulaw/8000 audio
//	       in encoded in base64"
//	mark   {"event":"mark","streamSid","mark":{"name"}}, after media, "to be notified
//	       when the audio that you have sent has been completed"
//	clear  {"event":"clear","streamSid"}: "empties all buffered audio and causes any
//	       mark messages to be sent back"
//
// The last sentence matters to whoever counts what a caller heard: marks
// come back for audio that was cleared as well as for audio that played,
// so a mark that arrives after a clear says nothing about playback.
//
// Decode reads Twilio's messages strictly: a message of a known event with
// a missing or malformed field is an error naming it; an unknown event is
// ErrUnknownEvent, which a server should ignore, since Twilio may add
// events. The Encode functions write the server's three messages.
package twilio
