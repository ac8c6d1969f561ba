// Package sched owns how syntheses wait for an engine: a line that hands
// out an engine's slots (Line: worker processes, say; Slots when they are
// all alike) and serves waiters by when their audio is needed, and the
// context mark that says when that is.
//
// A synthesis is needed now when a listener is waiting for its first
// audio: the first segment of a generation (Urgent). A later segment is
// needed when the audio already sent for its generation will have played
// out (PlayBy), usually seconds away, since text streams faster than it is
// spoken. Serving the earliest need first (earliest deadline first) puts
// first segments ahead of later ones that can wait without anyone hearing
// it, and a later segment ahead of first segments once its listener is
// about to run dry. Unmarked syntheses are needed at their arrival, which
// keeps them in arrival order among the rest. The order of the queue is
// all that changes: a running synthesis is never interrupted.
//
// Front ends state the need as tts.Segment.Due; the tts pipeline marks the
// engines' context with it (PlayBy), and the gates read it back (Due).
package sched
