package langdetect

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/parley-voice/parley/protocol"
)

// The Latin-script languages, as indexes into a score.
const (
	en = iota
	es
	pt
	de
	fr
	it
	nLatin
)

var latinLanguages = [nLatin]protocol.Language{
	protocol.English, protocol.Spanish, protocol.Portuguese,
	protocol.German, protocol.French, protocol.Italian,
}

// weights is evidence for each Latin-script language.
type weights [nLatin]float32

// score accumulates the evidence of one segment.
type score weights

func (s *score) add(w weights) {
	for i := range s {
		s[i] += w[i]
	}
}

// Thresholds of decide, in units of evidence (one function word is 1).
const (
	// minEvidence is what the best language needs at all.
	minEvidence = 1
	// closeMargin is how near the best the fallback must be to win.
	closeMargin = 0.75
)

// decide picks the best-scoring language, or the fallback when the best has
// too little evidence or the fallback is a close second.
func (s *score) decide(fallback protocol.Language) protocol.Language {
	best := 0
	for i := range s {
		if s[i] > s[best] {
			best = i
		}
	}
	if s[best] < minEvidence {
		return fallback
	}
	for i, l := range latinLanguages {
		if l == fallback && s[best]-s[i] < closeMargin {
			return fallback
		}
	}
	return latinLanguages[best]
}

// letter adds the evidence of one lower-case letter.
func (s *score) letter(r rune) {
	if r < 0x80 {
		return
	}
	if w, ok := letters[r]; ok {
		s.add(w)
	}
}

// pair adds the evidence of the letter pair a, b within a word, where p is
// the letter before a (0 at the start of the word).
func (s *score) pair(p, a, b rune) {
	if a < 'a' || a > 'z' || b < 'a' || b > 'z' {
		return
	}
	if (a == 'u' || a == 'i') && b == 'e' && (p == 'q' || p == 'g' || p == 'e') {
		// "que", "guerra" and German "neue" are not the Spanish
		// diphthongs of "puede" and "tiene".
		return
	}
	if w := &pairs[(a-'a')*26+(b-'a')]; *w != (weights{}) {
		s.add(*w)
	}
}

// word adds the evidence of one lower-case word: whether it is a function
// word, and how it ends. afterContraction says it followed an apostrophe
// that was not an elision ("don't", "it's").
func (s *score) word(b []byte, afterContraction bool) {
	if afterContraction {
		if englishContractions[string(b)] {
			s[en] += contractionWeight
		}
		return
	}
	if w, ok := functionWords[string(b)]; ok {
		s.add(w)
	}
	// Endings: the last 2 to 6 bytes, on rune boundaries, leaving at least
	// one letter of stem.
	for k := 2; k <= 6 && k < len(b); k++ {
		if !utf8.RuneStart(b[len(b)-k]) {
			continue
		}
		if w, ok := endings[string(b[len(b)-k:])]; ok {
			s.add(w)
		}
	}
}

// elision adds the evidence of a word cut by an apostrophe ("l'", "dell'")
// and reports whether it was an elision rather than an English word.
func (s *score) elision(b []byte) bool {
	w, ok := elisions[string(b)]
	if ok {
		s.add(w)
	}
	return ok
}

const contractionWeight = 1.5

var spanishPunctuation = weights{es: 4}

// englishContractions are what follows the apostrophe in "don't", "it's",
// "we're", "I'll", "I've", "I'm", "I'd".
var englishContractions = map[string]bool{"t": true, "s": true, "re": true, "ll": true, "ve": true, "m": true, "d": true}

// letters are the accented letters that tell the languages apart.
var letters = map[rune]weights{
	'ñ': {es: 3},
	'ã': {pt: 3}, 'õ': {pt: 3},
	'ç': {pt: 1, fr: 1},
	'ß': {de: 4},
	'ä': {de: 2.5}, 'ö': {de: 2}, 'ü': {de: 2},
	'œ': {fr: 4},
	'é': {es: 0.4, pt: 0.4, fr: 0.6, it: 0.1},
	'è': {fr: 0.8, it: 0.8},
	'ê': {pt: 1.2, fr: 1.2},
	'à': {pt: 0.8, fr: 1, it: 0.8},
	'â': {pt: 1, fr: 1},
	'ô': {pt: 1.2, fr: 1},
	'î': {fr: 2}, 'ï': {fr: 2}, 'ë': {fr: 2}, 'û': {fr: 2}, 'ÿ': {fr: 2},
	'ì': {it: 2.5}, 'ò': {it: 2.5}, 'ù': {fr: 0.8, it: 1.5},
	'á': {es: 1, pt: 1}, 'í': {es: 1, pt: 1}, 'ó': {es: 1, pt: 1}, 'ú': {es: 1, pt: 0.8},
}

// pairs are the letter pairs characteristic of some of the languages,
// indexed by (first-'a')*26 + (second-'a').
var pairs = buildPairs([]struct {
	list string
	w    weights
}{
	{"wh", weights{en: 1}},
	{"wr", weights{en: 0.8}},
	{"th", weights{en: 0.5}},
	{"aw oo kn", weights{en: 0.5}},
	{"sh ee", weights{en: 0.4}},
	{"ow ea", weights{en: 0.3}},
	{"gh", weights{en: 0.4, it: 0.3}},
	{"ck", weights{en: 0.3, de: 0.3}},
	{"oy", weights{en: 0.3, fr: 0.3}},
	{"ng", weights{en: 0.2, de: 0.2}},
	{"zw", weights{de: 1.2}},
	{"tz pf dt", weights{de: 1}},
	{"hr", weights{de: 0.8}},
	{"hl hn", weights{de: 0.6}},
	{"hm kt rz gs zu", weights{de: 0.5}},
	{"uf ks", weights{de: 0.4}},
	{"ze", weights{de: 0.3}},
	{"ei", weights{de: 0.4, pt: 0.3}},
	{"au", weights{de: 0.4, fr: 0.3}},
	{"eu", weights{de: 0.3, fr: 0.4}},
	{"tt", weights{de: 0.2, it: 0.4}},
	{"ss", weights{de: 0.3, fr: 0.1, it: 0.3}},
	{"ux", weights{fr: 1}},
	{"ai", weights{en: 0.1, pt: 0.2, fr: 0.4}},
	{"oi", weights{pt: 0.3, fr: 0.4}},
	{"ou", weights{pt: 0.5, fr: 0.3}},
	{"gn", weights{fr: 0.3, it: 0.3}},
	{"zz cq gg vv", weights{it: 1}},
	{"uo", weights{it: 0.8}},
	{"cc bb", weights{it: 0.6}},
	{"gl pp dd", weights{it: 0.5}},
	{"io", weights{es: 0.1, pt: 0.1, it: 0.4}},
	{"zi", weights{de: 0.1, it: 0.4}},
	{"sc", weights{es: 0.1, it: 0.3}},
	{"za zo", weights{es: 0.2, it: 0.3}},
	{"ll", weights{es: 0.4, fr: 0.2, it: 0.3}},
	{"rr", weights{es: 0.3, pt: 0.3, it: 0.2}},
	{"ue", weights{es: 0.5}},
	{"ie", weights{es: 0.3, de: 0.3, it: 0.2}},
	{"hu", weights{es: 0.3}},
	{"nh lh", weights{pt: 1.2}},
	{"ix", weights{pt: 1}},
})

// elisions are the words French and Italian cut before a vowel.
var elisions = map[string]weights{
	"l": {fr: 1, it: 1}, "d": {fr: 1.2, it: 0.3}, "c": {fr: 1, it: 0.7},
	"j": {fr: 1.5}, "qu": {fr: 1.5}, "n": {fr: 1.5}, "s": {fr: 1.5}, "m": {fr: 1.5}, "t": {fr: 1.5},
	"jusqu": {fr: 1.5}, "lorsqu": {fr: 1.5}, "puisqu": {fr: 1.5}, "quelqu": {fr: 1.5}, "aujourd": {fr: 1.5},
	"dell": {it: 1.5}, "all": {it: 1.5}, "nell": {it: 1.5}, "dall": {it: 1.5}, "sull": {it: 1.5},
	"un": {it: 1.5}, "quest": {it: 1.5}, "quell": {it: 1.5}, "dov": {it: 1.5}, "com": {it: 1.5},
	"cos": {it: 1.5}, "po": {it: 1.5}, "anch": {it: 1.5}, "tutt": {it: 1.5}, "senz": {it: 1.5},
}

// functionWords maps each language's most frequent short words to the
// languages that use them; a word several languages share counts for each.
var functionWords = buildWords(map[int]string{
	en: `the be to of and a in that have i it for not on with he as you do at this but his by
		from they we say her she or an will my one all would there their what so up out if about
		who get which go me when make can like no just him know take is are was were has had been
		its our your than then them these those how why where very could should does did`,
	es: `de la que el en y a los se del las un por con no una su para es al lo como más pero sus
		le ya o:0.3 este sí porque esta entre cuando muy sin sobre también me hasta hay donde quien
		desde todo nos durante todos uno les ni otro ese eso esto mí antes qué yo él tanto esa
		estos mucho nada ella estar estas algo mi tu te ti tú está están son fue era tiene hace
		puede bien hoy ahora aquí gracias hola después vamos usted dos tres cuatro cinco seis siete ocho nueve diez
		pueden tienen hacer todavía`,
	pt: `de a o que e do da em um para é com não uma os no se na por mais as dos como mas foi ao
		ele das tem à seu sua ou ser quando muito há nos já está eu também só pelo pela até isso
		ela entre era depois sem mesmo aos ter seus quem nas me esse eles estão você essa num nem
		suas meu às minha numa pelos elas havia seja qual será nós tenho lhe deles essas esses
		pelas este dele tu te vocês meus minhas nosso nossa obrigado aqui agora hoje bem então uns
		umas dois duas três quatro cinco seis sete oito nove dez pode podem fazer ainda`,
	de: `der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch es
		an werden aus er hat dass sie nach wird bei einer um am sind noch wie einem über einen so
		zum war haben nur oder aber vor zur bis mehr durch man sein wurde ich wir ihr du mich mir
		dir uns kann können heute hier schon sehr jetzt gibt wenn was wo ja nein doch kein keine
		habe bin bitte danke mein meine dein deine seit zwei drei vier fünf zehn soll muss`,
	fr: `de la le et les des en un du une que est pour qui dans a par plus pas au sur ne se ce il
		sont avec ou son mais elle nous vous je tu on aux cette ces ses sa été être avoir comme
		fait tout très bien aussi leur y où mon ma mes ton ici hui quelle quel moi toi lui eux
		toujours encore merci bonjour peut faut va déjà deux trois quatre cinq dix sans trop dont
		chez aucun aucune rien entre depuis avant après pendant vers sous`,
	it: `di e il la che è per un in del non una a i le si della con da al lo sono come ma gli dei
		più anche nel alla questo se mi ci ha ho tutto delle nella era essere questa suo sua
		molto quando perché dove cosa oggi ancora già solo sempre fatto io tu lui lei noi voi
		loro bene grazie ciao qui stato hanno siamo fare dopo poi degli sul sulla dal dalla nei
		negli quel quella due tre quattro cinque dieci no sì`,
})

// endings maps word endings to the languages they suggest.
var endings = buildEndings([]struct {
	list string
	w    weights
}{
	{"ing", weights{en: 1.2}},
	{"ly ness ight ough ould ful ship", weights{en: 1.2}},
	{"less ies ys ow", weights{en: 0.8}},
	{"ed", weights{en: 0.7, es: 0.2}},
	{"th", weights{en: 0.8}},
	{"ay ey", weights{en: 0.5}},
	{"ck", weights{en: 0.4, de: 0.4}},
	{"tion", weights{en: 0.6, fr: 0.6}},
	{"ment", weights{en: 0.4, fr: 0.6}},
	{"ous", weights{en: 0.4, fr: 0.8}},
	{"ción ciones", weights{es: 2}},
	{"dad dades", weights{es: 1.2}},
	{"ado ada ados adas", weights{es: 0.5, pt: 0.5}},
	{"ido ida idos idas mos eza", weights{es: 0.4, pt: 0.4}},
	{"aba aban ía ían iendo miento illo illa", weights{es: 1.2}},
	{"ando", weights{es: 0.5, pt: 0.3, it: 0.3}},
	{"os as", weights{es: 0.3, pt: 0.3}},
	{"ar ir", weights{es: 0.3, pt: 0.3}},
	{"ez", weights{es: 0.5, pt: 0.3, fr: 0.8}},
	{"ção ções", weights{pt: 2.5}},
	{"ão ões agem dade dades inho inha nha nho lha lho", weights{pt: 1.2}},
	{"eiro eira ável ível", weights{pt: 1}},
	{"em um", weights{en: 0.2, pt: 0.6}},
	{"om", weights{en: 0.1, pt: 0.4}},
	{"am", weights{pt: 0.4}},
	{"ou", weights{pt: 0.4, fr: 0.2}},
	{"oi", weights{pt: 0.4, fr: 0.6}},
	{"mente", weights{es: 0.5, pt: 0.5, it: 0.5}},
	{"ung ungen keit heit schaft cht", weights{de: 1.5}},
	{"lich isch chen sch tz zt sst", weights{de: 1.2}},
	{"ig gt", weights{de: 0.8}},
	{"ern", weights{de: 0.5}},
	{"ch", weights{en: 0.2, de: 0.4}},
	{"st", weights{en: 0.3, de: 0.4, fr: 0.1}},
	{"en", weights{en: 0.1, de: 0.35}},
	{"er", weights{en: 0.25, de: 0.3, fr: 0.3}},
	{"nd", weights{en: 0.3, de: 0.4}},
	{"eux euse aux eau eaux aient ée ées", weights{fr: 1.5}},
	{"ais ait ère ères ons oir oire ique eur eurs", weights{fr: 1}},
	{"ette ille", weights{fr: 0.8}},
	{"és", weights{es: 0.4, pt: 0.3, fr: 0.5}},
	{"ent", weights{en: 0.3, fr: 0.4}},
	{"é", weights{fr: 0.6}},
	{"è", weights{it: 1.5}},
	{"ès ème", weights{fr: 1.5}},
	{"ier", weights{de: 0.3, fr: 0.8}},
	{"tre", weights{fr: 0.6}},
	{"ui", weights{fr: 0.8}},
	{"zione zioni iamo", weights{it: 2}},
	{"cchi cche gli ggi zza zzo zze", weights{it: 1}},
	{"etto etta ssi sse uto", weights{it: 0.6}},
	{"ato ati ere", weights{it: 0.5}},
	{"ti ni li ri ci chi", weights{it: 0.5}},
	{"are", weights{it: 0.3}},
	{"ata", weights{es: 0.2, it: 0.5}},
	{"ire", weights{fr: 0.3, it: 0.3}},
	{"ono", weights{it: 0.6}},
	{"ino ina", weights{es: 0.2, it: 0.3}},
})

// buildWords reads lists of words, each counting 1 unless written
// "word:weight".
func buildWords(lists map[int]string) map[string]weights {
	m := make(map[string]weights)
	for lang, list := range lists {
		for _, w := range strings.Fields(list) {
			weight := float32(1)
			if word, num, ok := strings.Cut(w, ":"); ok {
				f, err := strconv.ParseFloat(num, 32)
				if err != nil {
					panic("langdetect: bad weight in " + w)
				}
				w, weight = word, float32(f)
			}
			v := m[w]
			v[lang] = weight
			m[w] = v
		}
	}
	return m
}

func buildPairs(rows []struct {
	list string
	w    weights
}) *[26 * 26]weights {
	var t [26 * 26]weights
	for _, r := range rows {
		for _, p := range strings.Fields(r.list) {
			t[int(p[0]-'a')*26+int(p[1]-'a')] = r.w
		}
	}
	return &t
}

func buildEndings(rows []struct {
	list string
	w    weights
}) map[string]weights {
	m := make(map[string]weights)
	for _, r := range rows {
		for _, e := range strings.Fields(r.list) {
			v := m[e]
			for i := range v {
				v[i] += r.w[i]
			}
			m[e] = v
		}
	}
	return m
}
