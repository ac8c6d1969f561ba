// Package docblock keeps generated tables in a package's doc.go in step
// with the code they describe: a test renders each table, Check replaces
// the code block under its heading, and the test fails (or, with its
// -update flag, rewrites the file) when the file differs.
package docblock
