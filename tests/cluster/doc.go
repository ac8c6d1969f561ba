// Package cluster holds the multi-node test of issue 11: real `parley
// serve` processes (this tree, built once per test binary with go build),
// three of them behind real nginx (deploy/nginx.conf as written), sharing
// a real PostgreSQL and a real Redis (package internal/testinfra), all on
// loopback. It proves what "Running several nodes" in the README promises:
// limits and quotas hold whichever node a client reaches, usage adds up,
// voices and clone prompts made on one node work on the others, clients
// and jobs of a node killed with SIGKILL carry on elsewhere, and the
// nodes ride out a Redis and a PostgreSQL outage as documented.
//
// The package has no code of its own: scripts/cluster.sh starts the same
// topology by hand.
package cluster
