package testlog

import (
	"strings"
	"sync"
	"testing"
)

func TestBufferFromManyGoroutines(t *testing.T) {
	var b Buffer
	log := b.Logger()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			log.Info("line", "i", i)
		}()
	}
	wg.Wait()
	if n := strings.Count(b.String(), "msg=line"); n != 8 {
		t.Fatalf("%d lines of 8:\n%s", n, b.String())
	}
}
