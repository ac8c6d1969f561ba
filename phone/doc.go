// Package phone connects Twilio phone numbers to the voice agent: an
// account's numbers (the API behind /v1/twilio/numbers), the voice webhook
// Twilio calls when a number rings (/v1/twilio/voice), the admission of
// the media stream that the webhook's TwiML opens (/v1/twilio/media,
// served by package agent), the credential a call's agent speaks with,
// and the records of finished conversations (/v1/calls). The wire formats
// are package twilio's; this package decides who may do what.
//
// # A call, step by step
//
//  1. An account registers a number (POST /v1/twilio/numbers with its
//     Bearer key): the E.164 number, the Twilio account's SID and auth
//     token, and the agent's settings (voice or voice_description,
//     language, instructions). Calls to the number act for the key that
//     registered it, on its plan, which must have realtime access. The
//     auth token is sealed before it is stored (below) and never shown
//     again but for its last four characters.
//  2. Twilio POSTs the webhook, form-encoded. Answer finds the number by
//     the To parameter, rebuilds the URL Twilio signed from the public URL
//     (--public-url, as Twilio reaches the server) and the request's query
//     string, and checks X-Twilio-Signature with the number's auth token,
//     and the AccountSid: anything else is ErrForbidden (403), an unknown
//     number included, so that the webhook says nothing about which
//     numbers exist. A number whose key was revoked, or whose plan lost
//     realtime access, is answered with TwiML that says so and hangs up.
//  3. Otherwise the answer is <Connect><Stream> to the public URL's
//     /v1/twilio/media (wss for https), with the call's settings, the
//     caller's and the called numbers and a stream token as <Parameter>s,
//     and a <Say> after it that Twilio speaks only if the stream ends from
//     the server's side (a failure, a shutdown).
//  4. The media stream's start message carries the parameters back.
//     AdmitCall checks the stream token, an HMAC-SHA256 with a key
//     derived from the server secret over every other parameter, so that
//     none can be changed, bound to the call's CallSid and valid for
//     StreamTokenTTL (2 minutes) after the webhook; then that the number
//     still exists and its key is still valid. It issues the call a
//     credential (Credentials) with which the agent authenticates as the
//     number's key, to its own /v1/realtime and at each answer's key
//     check, and which is revoked when the call ends. The user's key
//     itself is never stored.
//
// # Secrets
//
// A number's auth token is sealed with AES-256-GCM under a key derived
// from the server secret (HMAC-SHA256 of the secret and a label), with a
// random nonce and the account and phone number as associated data, so
// that a sealed token moved to another row does not open. Rotating the
// server secret (--rotate-voice-secret) makes sealed tokens unreadable:
// their numbers' webhooks are then refused until the numbers are
// registered again. The token is never logged and the API returns only
// "…" and its last four characters. Call credentials live only in the
// memory of the node that issued them, for as long as the call lasts, and
// are compared in constant time.
package phone
