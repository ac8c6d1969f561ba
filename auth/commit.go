package auth

import (
	"sync"

	"github.com/parley-voice/parley/store"
)

// groupCommit writes concurrent charges together: while one write is in
// flight, the charges that arrive wait in the next batch, and the first of
// them writes the whole batch in one transaction as soon as the write
// before it ends. A charge waits for at most two writes, however many
// sessions charge at once, and no goroutine is started: the callers take
// turns. The zero value is ready.
type groupCommit struct {
	mu   sync.Mutex
	busy bool   // a write is in flight
	next *batch // collecting while busy; its first member writes it
}

type batch struct {
	items []store.Charge
	lead  chan struct{} // closed when it is this batch's turn to be written
	done  chan struct{} // closed once it is written
	err   error
}

// do writes item, in a batch with others, with write; it returns write's
// error for the batch.
func (g *groupCommit) do(item store.Charge, write func([]store.Charge) error) error {
	g.mu.Lock()
	if !g.busy {
		g.busy = true
		g.mu.Unlock()
		err := write([]store.Charge{item})
		g.handOff()
		return err
	}
	b := g.next
	first := b == nil
	if first {
		b = &batch{lead: make(chan struct{}), done: make(chan struct{})}
		g.next = b
	}
	b.items = append(b.items, item)
	g.mu.Unlock()
	if !first {
		<-b.done
		return b.err
	}
	<-b.lead
	g.mu.Lock()
	g.next = nil // later arrivals start a new batch
	items := b.items
	g.mu.Unlock()
	b.err = write(items)
	close(b.done)
	g.handOff()
	return b.err
}

// handOff passes the turn to the waiting batch, if any.
func (g *groupCommit) handOff() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.next != nil {
		close(g.next.lead) // busy stays set: that batch writes next
		return
	}
	g.busy = false
}
