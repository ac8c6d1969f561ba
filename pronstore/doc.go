// Package pronstore keeps accounts' pronunciation dictionaries in the
// store: it creates, lists, reads and deletes them for the HTTP API, each
// account seeing only its own (another account's id is unknown, as if it
// did not exist), and resolves the ids a request or a realtime config
// names into a pronounce.Lexicon.
package pronstore
