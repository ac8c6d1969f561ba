package client

import "time"

// StartExampleServer runs the test server for the examples, in place of
// `parley serve`: it accepts the key "example-key" and speaks with a
// synthetic voice of 10 ms per character. stop shuts it down and reports
// any protocol violation the client committed.
func StartExampleServer() (url string, stop func() error) {
	var v violations
	s := newTestServer(serverOpts{key: "example-key", chunkDelay: time.Millisecond}, v.add)
	return s.URL(), func() error {
		s.Close()
		return v.err()
	}
}
