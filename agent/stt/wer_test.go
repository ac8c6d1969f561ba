package stt

import (
	"math"
	"slices"
	"testing"
)

func TestWER(t *testing.T) {
	tests := []struct {
		name        string
		ref, hyp    string
		errs, words int
	}{
		{"identical", "the birch canoe slid", "the birch canoe slid", 0, 4},
		{"case and punctuation", "The birch canoe, slid!", "the BIRCH canoe slid.", 0, 4},
		{"apostrophes", "Don't stop; it's late", "dont stop it’s late", 0, 4},
		{"hyphen splits", "a well-known road", "a well known road", 0, 4},
		{"one substitution", "the birch canoe slid", "the perch canoe slid", 1, 4},
		{"one deletion", "the birch canoe slid", "the canoe slid", 1, 4},
		{"substitution and insertion", "the birch canoe slid", "the birch can you slid", 2, 4},
		{"insertion only", "go forward", "go go forward", 1, 2},
		{"all deleted", "go forward ten meters", "", 4, 4},
		{"all wrong and longer", "go forward", "so far in tears", 4, 2},
		{"reordered", "a b c d", "d c b a", 4, 4},
		{"empty both", "", "", 0, 0},
		{"empty reference", " ,. ", "hello there", 2, 0},
		{"digits stay digits", "ten apples", "10 apples", 1, 2},
		{"accented letters", "Café crème", "café CRÈME", 0, 2},
		{"whitespace", "  go\tforward\n", "go forward", 0, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs, n := WordErrors(tt.ref, tt.hyp)
			if errs != tt.errs || n != tt.words {
				t.Fatalf("WordErrors(%q, %q) = %d, %d; want %d, %d", tt.ref, tt.hyp, errs, n, tt.errs, tt.words)
			}
			want := float64(tt.errs) / math.Max(float64(tt.words), 1)
			if got := WER(tt.ref, tt.hyp); got != want {
				t.Fatalf("WER = %v, want %v", got, want)
			}
		})
	}
}

// The distance is a metric: symmetric, zero only for equal sequences, and
// no more than the longer length.
func TestDistanceProperties(t *testing.T) {
	seqs := [][]string{
		nil, {"a"}, {"a", "b"}, {"b", "a"}, {"a", "b", "c"}, {"x", "a", "b", "c", "y"}, {"c", "c", "c"},
	}
	for _, a := range seqs {
		for _, b := range seqs {
			d := distance(a, b)
			if d != distance(b, a) {
				t.Errorf("distance(%v, %v) = %d, reversed %d", a, b, d, distance(b, a))
			}
			if (d == 0) != slices.Equal(a, b) {
				t.Errorf("distance(%v, %v) = %d", a, b, d)
			}
			if d > max(len(a), len(b)) || d < abs(len(a)-len(b)) {
				t.Errorf("distance(%v, %v) = %d out of bounds", a, b, d)
			}
		}
	}
}

func abs(x int) int { return max(x, -x) }

func TestWords(t *testing.T) {
	got := Words("Hello, World -- it's 5 o'clock!")
	want := []string{"hello", "world", "its", "5", "oclock"}
	if !slices.Equal(got, want) {
		t.Fatalf("Words = %q, want %q", got, want)
	}
}

func FuzzWER(f *testing.F) {
	f.Add("the birch canoe", "the perch can you")
	f.Fuzz(func(t *testing.T, ref, hyp string) {
		errs, n := WordErrors(ref, hyp)
		if errs < 0 || errs > max(n, len(Words(hyp))) {
			t.Fatalf("WordErrors(%q, %q) = %d, %d", ref, hyp, errs, n)
		}
		if WER(ref, ref) != 0 {
			t.Fatalf("WER(%q, itself) != 0", ref)
		}
	})
}
