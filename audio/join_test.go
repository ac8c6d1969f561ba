package audio

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// joinAll runs segments through j in the given pieces and returns the
// output, checking after every call that no more than Holdback samples are
// held.
func joinAll(t *testing.T, j *Joiner, segments [][][]int16) []int16 {
	t.Helper()
	var out []int16
	in := 0
	for _, seg := range segments {
		for _, piece := range seg {
			before := slices.Clone(piece)
			out = j.Write(out, piece)
			if !slices.Equal(piece, before) {
				t.Fatal("Write modified its input")
			}
			in += len(piece)
			if j.maxGap == 0 && in-len(out) > j.Holdback() {
				t.Fatalf("holding %d samples, Holdback is %d", in-len(out), j.Holdback())
			}
		}
		out = j.End(out)
	}
	return out
}

func TestJoinerRemovesClicks(t *testing.T) {
	const (
		amp  = 20000.0
		freq = 200.0
		rate = 24000
	)
	// A ends on its positive peak, B starts at its negative peak: a raw
	// join steps by 2*amp.
	a := make([]int16, 30+120*20+1)
	for i := range a {
		a[i] = int16(math.Round(amp * math.Sin(2*math.Pi*freq*float64(i)/rate)))
	}
	b := make([]int16, 2400)
	for i := range b {
		b[i] = int16(math.Round(-amp * math.Cos(2*math.Pi*freq*float64(i)/rate)))
	}
	j, err := NewJoiner(JoinerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	n := j.Holdback()
	if n != 120 {
		t.Fatalf("default fade %d samples, want 120 (5 ms at 24 kHz)", n)
	}
	// The faded signal is g·s. Its step is g[i]·Δs + s[i-1]·Δg, so it is
	// bounded by the signal's own largest step plus amp times the fade's
	// steepest gain step, π/(2n) for a raised cosine of n samples; one more
	// for rounding.
	bound := max(MaxStep(a), MaxStep(b)) + int(math.Ceil(amp*math.Pi/(2*float64(n)))) + 1
	if raw := MaxStep(append(slices.Clone(a), b...)); raw <= bound {
		t.Fatalf("raw join steps only %d, bound %d: the test shows nothing", raw, bound)
	}

	rng := rand.New(rand.NewPCG(5, 6))
	var want []int16
	for _, maxPiece := range []int{1, 50, 500, 5000} {
		segs := [][][]int16{randomChunks(rng, a, maxPiece), randomChunks(rng, b, maxPiece), randomChunks(rng, a, maxPiece)}
		j.Reset()
		got := joinAll(t, j, segs)
		if len(got) != 2*len(a)+len(b) {
			t.Fatalf("pieces up to %d: %d samples out, want %d", maxPiece, len(got), 2*len(a)+len(b))
		}
		if step := MaxStep(got); step > bound {
			t.Errorf("pieces up to %d: step %d at a join, bound %d", maxPiece, step, bound)
		}
		if got[0] != 0 || got[len(got)-1] != 0 || got[len(a)-1] != 0 || got[len(a)] != 0 {
			t.Errorf("segment edges not faded to zero: %d %d %d %d", got[0], got[len(a)-1], got[len(a)], got[len(got)-1])
		}
		// Away from the edges the audio passes untouched.
		if !slices.Equal(got[n:len(a)-n], a[n:len(a)-n]) {
			t.Error("audio between the fades changed")
		}
		if want == nil {
			want = got
		} else if !slices.Equal(got, want) {
			t.Errorf("pieces up to %d: output depends on chunking", maxPiece)
		}
	}
}

// A segment shorter than the fade gets the start of the fade-in and a
// fade-out over its whole length, both at once.
func TestJoinerShortSegment(t *testing.T) {
	j, err := NewJoiner(JoinerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	seg := slices.Repeat([]int16{10000}, 50)
	out := j.End(j.Write(nil, seg))
	want := slices.Repeat([]int16{10000}, j.Holdback())
	FadeIn(want, j.Holdback())
	want = want[:len(seg)]
	FadeOut(want, len(want))
	if !slices.Equal(out, want) {
		t.Fatalf("short segment out: %v\nwant %v", out, want)
	}
	if out[0] != 0 || out[49] != 0 {
		t.Fatal("edges not at zero")
	}
}

func TestJoinerMaxGap(t *testing.T) {
	const rate = 24000
	ms := func(d int) int { return rate * d / 1000 }
	tone := sine(ms(200), rate, 300, 15000)
	silence := func(d int) []int16 { return make([]int16, ms(d)) }
	cat := func(parts ...[]int16) []int16 { return slices.Concat(parts...) }
	tests := []struct {
		name    string
		maxGap  time.Duration
		a, b    []int16
		wantGap int // ms of silence between the tones
	}{
		{"trailing plus leading over the cap", 300 * time.Millisecond, cat(tone, silence(100)), cat(silence(400), tone), 300},
		{"trailing alone over the cap", 300 * time.Millisecond, cat(tone, silence(500)), cat(silence(400), tone), 500},
		{"under the cap", 300 * time.Millisecond, cat(tone, silence(100)), cat(silence(100), tone), 200},
		{"no cap", 0, cat(tone, silence(500)), cat(silence(400), tone), 900},
		{"all silent segment", 300 * time.Millisecond, cat(tone, silence(100)), silence(800), 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, err := NewJoiner(JoinerConfig{MaxGap: tt.maxGap})
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(7, 8))
			segs := [][][]int16{randomChunks(rng, tt.a, 700), randomChunks(rng, tt.b, 700)}
			if len(tt.b) == ms(800) {
				// A silent segment in between, then the tone.
				segs = append(segs, randomChunks(rng, cat(silence(200), tone), 700))
			}
			out := joinAll(t, j, segs)
			// The gap is the longest run of silence (the tone's zero
			// crossings make only short runs).
			longest, run := 0, 0
			for _, v := range out {
				if v > -100 && v < 100 {
					run++
					longest = max(longest, run)
				} else {
					run = 0
				}
			}
			// Allow for the tone's own quiet samples at either end.
			if d := longest - ms(tt.wantGap); d < 0 || d > 10 {
				t.Errorf("gap %d samples, want %d", longest, ms(tt.wantGap))
			}
		})
	}
}

func TestJoinerConfigValidate(t *testing.T) {
	tests := []struct {
		cfg JoinerConfig
		ok  bool
	}{
		{JoinerConfig{}, true},
		{JoinerConfig{SampleRate: 16000, Fade: 10 * time.Millisecond, MaxGap: time.Second, SilenceDBFS: -60}, true},
		{JoinerConfig{SampleRate: -1}, false},
		{JoinerConfig{Fade: -time.Millisecond}, false},
		{JoinerConfig{Fade: 2 * time.Second}, false},
		{JoinerConfig{MaxGap: -time.Millisecond}, false},
		{JoinerConfig{SilenceDBFS: 3}, false},
	}
	for _, tt := range tests {
		_, err := NewJoiner(tt.cfg)
		if (err == nil) != tt.ok {
			t.Errorf("NewJoiner(%+v): err %v, want ok=%v", tt.cfg, err, tt.ok)
		}
	}
}

func TestChunker(t *testing.T) {
	const lo, hi = 4, 8
	tests := []struct {
		name   string
		pieces []int // negative: Flush (end of segment) before this piece
		chunks []int
		rest   int
	}{
		{"first piece passes through", []int{3}, []int{3}, 0},
		{"small pieces accumulate to min", []int{3, 1, 1, 1, 1}, []int{3, 4}, 0},
		{"first piece split at max", []int{20}, []int{8, 8, 4}, 0},
		{"first piece's short tail waits for min", []int{19, 4}, []int{8, 8, 7}, 0},
		{"large later piece split at max", []int{2, 10}, []int{2, 8}, 2},
		{"buffer topped up to max", []int{2, 3, 6}, []int{2, 8}, 1},
		{"pieces within bounds pass whole", []int{1, 4, 5, 8, 9}, []int{1, 4, 5, 8, 8}, 1},
		{"each segment's first piece passes", []int{2, 3, -2, 1}, []int{2, 2}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewChunker(lo, hi)
			var in, out []int16
			var sizes []int
			next := int16(0)
			emit := func(chunk []int16) error {
				sizes = append(sizes, len(chunk))
				out = append(out, chunk...)
				return nil
			}
			for _, p := range tt.pieces {
				if p < 0 {
					out = append(out, c.Flush()...)
					p = -p
				}
				piece := make([]int16, p)
				for i := range piece {
					next++
					piece[i] = next
				}
				in = append(in, piece...)
				if err := c.Push(piece, emit); err != nil {
					t.Fatal(err)
				}
			}
			rest := c.Flush()
			out = append(out, rest...)
			if !slices.Equal(sizes, tt.chunks) || len(rest) != tt.rest {
				t.Errorf("chunks %v rest %d, want %v rest %d", sizes, len(rest), tt.chunks, tt.rest)
			}
			if !slices.Equal(out, in) {
				t.Errorf("audio out %v, want %v", out, in)
			}
		})
	}
}

func TestChunkerZeroCopy(t *testing.T) {
	c := NewChunker(DefaultChunkMin, DefaultChunkMax)
	first := make([]int16, 10)
	piece := make([]int16, 1500)
	var got [][]int16
	emit := func(chunk []int16) error { got = append(got, chunk); return nil }
	if err := c.Push(first, emit); err != nil {
		t.Fatal(err)
	}
	if err := c.Push(piece, emit); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || &got[0][0] != &first[0] || &got[1][0] != &piece[0] {
		t.Fatal("pieces within bounds were copied")
	}
}

func TestChunkerEmitError(t *testing.T) {
	c := NewChunker(4, 8)
	boom := errors.New("send failed")
	calls := 0
	err := c.Push(make([]int16, 30), func([]int16) error { calls++; return boom })
	if !errors.Is(err, boom) || calls != 1 {
		t.Fatalf("err %v after %d calls, want the emit error after 1", err, calls)
	}
}

func TestNewChunkerPanics(t *testing.T) {
	for _, b := range [][2]int{{0, 5}, {5, 4}, {-1, -1}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewChunker(%d, %d) did not panic", b[0], b[1])
				}
			}()
			NewChunker(b[0], b[1])
		}()
	}
}

// TestJoinerLead: Lead says where the input's samples come out when a
// long leading silence is cut, however the segment arrives.
func TestJoinerLead(t *testing.T) {
	for _, piece := range []int{1, 7, 100, 5000} {
		j, err := NewJoiner(JoinerConfig{SampleRate: 1000, Fade: time.Millisecond, MaxGap: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		in := make([]int16, 300)
		for i := 200; i < len(in); i++ {
			in[i] = 10000 // sound from sample 200 on
		}
		var out []int16
		for i := 0; i < len(in); i += piece {
			out = j.Write(out, in[i:min(i+piece, len(in))])
			if kept, dropped, done := j.Lead(); done != (i+piece > 200) || kept+dropped > min(i+piece, 200) {
				t.Fatalf("piece %d after %d: Lead() = %d, %d, %v", piece, i+piece, kept, dropped, done)
			}
		}
		out = j.End(out)
		kept, dropped, _ := j.Lead()
		if kept != 0 || dropped != 0 {
			t.Fatalf("End did not reset the lead: %d, %d", kept, dropped)
		}
		// The first sound sample, input 200, comes out at 50.
		first := 0
		for first < len(out) && out[first] == 0 {
			first++
		}
		if first != 50 || len(out) != 150 {
			t.Fatalf("piece %d: sound at %d of %d samples, want 50 of 150", piece, first, len(out))
		}
	}
}
