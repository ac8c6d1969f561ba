package vad

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) {
		if err := Shutdown(); err != nil {
			panic(err)
		}
	}))
}
