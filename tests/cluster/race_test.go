//go:build race

package cluster

// raceBuild builds the nodes with the race detector, as this test binary
// was: the build then reuses the packages `go test -race` compiled, and
// the nodes are checked for races too.
const raceBuild = true
