// Package twiliosim plays Twilio's part of a phone call, for tests: Twilio
// cannot be reached from where Parley's tests run. It is written from
// Twilio's public documentation alone (the sources are quoted in package
// twilio's doc), with its own signature, TwiML parsing and G.711 coding,
// so that it checks the server rather than repeating it:
//
//   - Ring signs and POSTs the voice webhook, form-encoded, with the
//     parameters Twilio sends, and reads the TwiML answer; Post sends any
//     form with any signature, for forgeries.
//   - Connect opens the <Stream> URL of the TwiML and sends connected and
//     start, with the <Parameter>s as customParameters.
//   - The caller's microphone sends a 20 ms media message every 20 ms, in
//     real time, as Twilio does: silence, or what Speak queues.
//   - The caller's earpiece plays the server's media at real time, 20 ms at
//     a time, sends each mark back once the audio before it has played,
//     and on clear drops what it has not played and sends every pending
//     mark back at once, as Twilio documents.
//   - DTMF sends a key; Hangup sends stop and closes; Drop just drops the
//     connection.
//
// Everything the server sends is checked against the documented format;
// what breaks it is in Problems.
//
// Its μ-law (Encode, Decode) is G.711's table of codes (ITU-T G.711,
// Table 2a), not package audio's code, so that a bug there shows here.
package twiliosim
