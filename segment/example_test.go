package segment_test

import (
	"fmt"
	"strings"

	"github.com/parley-voice/parley/segment"
)

func Example() {
	s, err := segment.New(segment.DefaultConfig())
	if err != nil {
		panic(err)
	}
	tokens := []string{"Sure", "!", " Dr", ". Smith", " can", " see", " you", " at", " 3", ".", "30", " p", ".m", ".", " to", "day", ".", " Shall", " I", " book", " it", "?"}
	for _, tok := range tokens {
		for _, seg := range s.Push(tok) {
			fmt.Printf("speak %q\n", strings.TrimSpace(seg))
		}
	}
	for _, seg := range s.Flush() {
		if seg = strings.TrimSpace(seg); seg != "" {
			fmt.Printf("flush %q\n", seg)
		}
	}
	// Output:
	// speak "Sure! Dr. Smith can see you at 3.30 p.m. today."
	// flush "Shall I book it?"
}
