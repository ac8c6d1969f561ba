package langdetect

import (
	"strings"
	"testing"

	"github.com/parley-voice/parley/protocol"
)

func TestDetect(t *testing.T) {
	tests := []struct {
		text     string
		fallback protocol.Language
		want     protocol.Language
	}{
		// No evidence: the fallback, and English for a fallback that is not
		// a concrete language.
		{"", protocol.German, protocol.German},
		{"12345 678", protocol.French, protocol.French},
		{"!!! ... ??? -- 3.14", protocol.Korean, protocol.Korean},
		{"😀👍", protocol.Italian, protocol.Italian},
		{"", protocol.Auto, protocol.English},
		{"", "", protocol.English},
		{"42", "Klingon", protocol.English},
		{"OK", protocol.Russian, protocol.Russian},
		{"Zoom", protocol.Spanish, protocol.Spanish},

		// Scripts.
		{"Привет, как дела?", protocol.English, protocol.Russian},
		{"Я купил новый iPhone вчера.", protocol.English, protocol.Russian},
		{"안녕하세요", protocol.English, protocol.Korean},
		{"ありがとう", protocol.English, protocol.Japanese},
		{"カタカナ", protocol.Chinese, protocol.Japanese},
		{"東京の天気", protocol.Chinese, protocol.Japanese},
		{"今天天气很好", protocol.English, protocol.Chinese},
		{"我用 iPhone 拍了这张照片", protocol.English, protocol.Chinese},
		{"iPhoneの新しいモデル", protocol.English, protocol.Japanese},
		{"I really like 饺子, especially with vinegar.", protocol.Chinese, protocol.English},

		// Han without kana is Chinese, unless the segment continues
		// Japanese and has no character only Chinese uses.
		{"東京都庁", protocol.English, protocol.Chinese},
		{"東京都庁", protocol.Japanese, protocol.Japanese},
		{"人々", protocol.English, protocol.Japanese},
		{"这是什么", protocol.Japanese, protocol.Chinese},
		{"我們明天見", protocol.Japanese, protocol.Chinese},

		// Latin script: letters, function words, elisions, endings.
		{"the cat sat on the mat", protocol.German, protocol.English},
		{"I don't know", protocol.French, protocol.English},
		{"¿Qué hora es?", protocol.English, protocol.Spanish},
		{"España", protocol.English, protocol.Spanish},
		{"Não sei.", protocol.English, protocol.Portuguese},
		{"Straße", protocol.English, protocol.German},
		{"Ich weiß es nicht.", protocol.English, protocol.German},
		{"l'homme et la femme", protocol.English, protocol.French},
		{"C'est la vie.", protocol.English, protocol.French},
		{"dell'anno scorso", protocol.English, protocol.Italian},
		{"Perché no?", protocol.English, protocol.Italian},
		{"THE MEETING IS AT NOON", protocol.German, protocol.English},

		// A close call goes to the fallback: this is Spanish and Portuguese.
		{"Este lugar está ocupado", protocol.Portuguese, protocol.Portuguese},
		{"Este lugar está ocupado", protocol.Spanish, protocol.Spanish},
	}
	for _, tt := range tests {
		if got := Detect(tt.text, tt.fallback); got != tt.want {
			t.Errorf("Detect(%q, %q) = %s, want %s", tt.text, tt.fallback, got, tt.want)
		}
	}
}

func TestDetectLongWords(t *testing.T) {
	// Words longer than the lookup buffer still count their letters.
	long := strings.Repeat("ß", 40) + " " + strings.Repeat("x", 100)
	if got := Detect(long, protocol.English); got != protocol.German {
		t.Errorf("Detect(long German letters) = %s, want German", got)
	}
}

func TestDetectAllocations(t *testing.T) {
	segs := benchSegments()
	allocs := testing.AllocsPerRun(100, func() {
		for _, s := range segs {
			Detect(s, protocol.English)
		}
	})
	if allocs != 0 {
		t.Errorf("Detect allocates %.1f times per %d segments, want 0", allocs, len(segs))
	}
}

func FuzzDetect(f *testing.F) {
	for _, s := range append(benchSegments(), "", "l'", "'x", "don'", "\xff\xfe", "々", "ß'ß") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, fb := range []protocol.Language{protocol.Auto, protocol.Japanese, protocol.Portuguese} {
			got := Detect(s, fb)
			if !concrete(got) {
				t.Fatalf("Detect(%q, %q) = %q, not a concrete language", s, fb, got)
			}
			if again := Detect(s, fb); again != got {
				t.Fatalf("Detect(%q, %q) = %s then %s", s, fb, got, again)
			}
		}
	})
}

// benchSegments are segments of about 100 characters, one per language.
func benchSegments() []string {
	return []string{
		"After the storm, volunteers spent the whole weekend clearing fallen trees from the roads near town.",
		"Después de la tormenta, los voluntarios pasaron todo el fin de semana limpiando las carreteras.",
		"Depois da tempestade, os voluntários passaram o fim de semana inteiro limpando as estradas da cidade.",
		"Nach dem Sturm haben Freiwillige das ganze Wochenende umgestürzte Bäume von den Straßen geräumt.",
		"Après la tempête, des bénévoles ont passé tout le week-end à dégager les routes près de la rivière.",
		"Dopo la tempesta, i volontari hanno passato tutto il fine settimana a liberare le strade vicino al fiume.",
		"暴风雨过后，志愿者们花了整个周末清理河边道路上倒下的树木，居民们非常感谢他们的帮助。",
		"嵐の後、ボランティアたちは週末の間ずっと川の近くの道路から倒れた木を片付けていました。",
		"폭풍이 지나간 뒤 자원봉사자들은 주말 내내 강 근처 도로에 쓰러진 나무를 치웠습니다.",
		"После бури добровольцы все выходные расчищали дороги у реки от упавших деревьев и веток.",
	}
}

func BenchmarkDetect(b *testing.B) {
	segs := benchSegments()
	var chars int
	for _, s := range segs {
		chars += len([]rune(s))
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		Detect(segs[i%len(segs)], protocol.English)
	}
	perSeg := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(perSeg*100/(float64(chars)/float64(len(segs))), "ns/100chars")
}

func BenchmarkDetectLatin(b *testing.B) {
	segs := benchSegments()[:6]
	for i := 0; b.Loop(); i++ {
		Detect(segs[i%len(segs)], protocol.English)
	}
}
