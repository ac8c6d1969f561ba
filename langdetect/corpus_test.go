package langdetect

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/parley-voice/parley/protocol"
)

var corpusDir = flag.String("corpus", "", "also measure accuracy on DIR/<language>.txt files (same format as testdata/corpus)")

// readCorpus reads dir/<language>.txt for every language that has a file:
// one segment per line, with blank lines and # comments ignored.
func readCorpus(t *testing.T, dir string) map[protocol.Language][]string {
	t.Helper()
	c := map[protocol.Language][]string{}
	for _, lang := range protocol.Languages {
		f, err := os.Open(filepath.Join(dir, strings.ToLower(string(lang))+".txt"))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
				c[lang] = append(c[lang], l)
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// accuracy detects every segment with the fallback fallback(its language)
// and returns the per-language accuracy, the overall accuracy, a confusion
// summary, and the misses.
func accuracy(c map[protocol.Language][]string, fallback func(protocol.Language) protocol.Language) (map[protocol.Language]float64, float64, string, []string) {
	per := map[protocol.Language]float64{}
	var right, total int
	var summary strings.Builder
	var misses []string
	for _, lang := range protocol.Languages {
		segs := c[lang]
		if len(segs) == 0 {
			continue
		}
		got := map[protocol.Language]int{}
		for _, s := range segs {
			d := Detect(s, fallback(lang))
			got[d]++
			if d != lang {
				misses = append(misses, fmt.Sprintf("%s as %s: %s", lang, d, s))
			}
		}
		per[lang] = float64(got[lang]) / float64(len(segs))
		right += got[lang]
		total += len(segs)
		fmt.Fprintf(&summary, "%-10s %3d/%3d %5.1f%%", lang, got[lang], len(segs), 100*per[lang])
		var wrong []string
		for l, n := range got {
			if l != lang {
				wrong = append(wrong, fmt.Sprintf("%s %d", l, n))
			}
		}
		sort.Strings(wrong)
		if len(wrong) > 0 {
			fmt.Fprintf(&summary, "  confused with: %s", strings.Join(wrong, ", "))
		}
		summary.WriteString("\n")
	}
	return per, float64(right) / float64(total), summary.String(), misses
}

func TestCorpus(t *testing.T) {
	c := readCorpus(t, filepath.Join("testdata", "corpus"))
	for _, lang := range protocol.Languages {
		if len(c[lang]) < 20 {
			t.Errorf("testdata has %d %s segments, want at least 20", len(c[lang]), lang)
		}
	}
	// The fallback is English, a Latin-script language, so that it can
	// win close calls; the Latin languages are where mistakes happen.
	per, all, summary, misses := accuracy(c, english)
	t.Logf("accuracy by language (fallback English):\n%soverall %.1f%%", summary, 100*all)
	for _, m := range misses {
		t.Log(m)
	}
	for lang, a := range per {
		if a < 0.90 {
			t.Errorf("%s accuracy %.1f%%, want at least 90%%", lang, 100*a)
		}
	}
	if all < 0.95 {
		t.Errorf("overall accuracy %.1f%%, want at least 95%%", 100*all)
	}
}

// TestExternalCorpus measures accuracy on a corpus outside the repository,
// given with -corpus; it asserts nothing, as the corpus is not ours.
func TestExternalCorpus(t *testing.T) {
	if *corpusDir == "" {
		t.Skip("no -corpus DIR given")
	}
	c := readCorpus(t, *corpusDir)
	if len(c) == 0 {
		t.Fatalf("no <language>.txt files in %s", *corpusDir)
	}
	_, all, summary, misses := accuracy(c, english)
	t.Logf("accuracy by language (fallback English):\n%soverall %.1f%%", summary, 100*all)
	if testing.Verbose() {
		for _, m := range misses {
			t.Log(m)
		}
	}
}

// TestHoldout measures accuracy on segments written after the detector's
// weights were set, as an estimate of accuracy on text it was not tuned
// on. Keep it honest: do not tune the weights to its misses.
func TestHoldout(t *testing.T) {
	c := readCorpus(t, filepath.Join("testdata", "holdout"))
	_, all, summary, misses := accuracy(c, english)
	t.Logf("accuracy by language (fallback English):\n%soverall %.1f%%", summary, 100*all)
	for _, m := range misses {
		t.Log(m)
	}
	// In a session that stays in one language, the previous segment's
	// language is the fallback.
	_, inSession, summary, _ := accuracy(c, same)
	t.Logf("accuracy by language (fallback the segment's own language):\n%soverall %.1f%%", summary, 100*inSession)
	if all < 0.90 {
		t.Errorf("overall accuracy %.1f%%, want at least 90%%", 100*all)
	}
}

func english(protocol.Language) protocol.Language { return protocol.English }

func same(l protocol.Language) protocol.Language { return l }
