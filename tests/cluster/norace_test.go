//go:build !race

package cluster

// raceBuild builds the nodes as this test binary was, without the race
// detector.
const raceBuild = false
