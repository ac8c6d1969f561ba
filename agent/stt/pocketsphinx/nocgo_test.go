//go:build !cgo

package pocketsphinx

import (
	"context"
	"errors"
	"testing"
)

// Run with CGO_ENABLED=0 go test ./agent/stt/pocketsphinx/.
func TestUnavailableWithoutCgo(t *testing.T) {
	d, err := NewDecoder(DefaultConfig())
	if !errors.Is(err, ErrUnavailable) || err.Error() != "pocketsphinx unavailable: built without cgo" || d != nil {
		t.Fatalf("NewDecoder = %v, %v", d, err)
	}
	var stub Decoder
	if err := stub.Start(); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Start: %v", err)
	}
	if _, err := Recognize(context.Background(), &stub, make([]int16, 100)); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Recognize: %v", err)
	}
	p, err := NewPool(DefaultConfig(), 1)
	if !errors.Is(err, ErrUnavailable) || p != nil {
		t.Errorf("NewPool(size 1) = %v, %v", p, err)
	}
	p, err = NewPool(DefaultConfig(), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := p.Get(context.Background()); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Get: %v", err)
	}
}
