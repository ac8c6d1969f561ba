// Package enginetest provides Engine, a deterministic engine.Synthesizer
// for the tests of the packages above the engines (realtime, httpapi):
// its audio is a pure function of the text it is given (PCM), so a test
// can say exactly what a client must receive, and it logs every call it
// serves. It needs no C library: tests built on it run with
// CGO_ENABLED=0, on a machine without espeak-ng or flite.
package enginetest
