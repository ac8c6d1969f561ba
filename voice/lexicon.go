package voice

import (
	"fmt"
	"strings"
)

// effect is what one understood word does at intensity 1. Multipliers of
// 0 mean "no change" so that the table below lists only what matters.
type effect struct {
	gender string
	accent string
	age    string // AgeYoung, AgeOld, or ageAdult
	style  string // StyleWhisper, StyleRobotic, or styleNatural
	pitch  float64
	rate   float64
	rng    float64
	volume float64
}

// ageAdult and styleNatural reset Age and Style: they exist so that a later
// "middle-aged" or "natural" can undo an earlier "old" or "robotic".
const (
	ageAdult     = "adult"
	styleNatural = "natural"
)

// categorical reports whether the word chooses a voice rather than only
// shaping prosody; negating such a word is ignored, because "not British"
// names no accent to use instead.
func (e effect) categorical() bool {
	return e.gender != "" || e.accent != "" || e.age != "" || e.style != ""
}

// group is one row of the word table: words, and what each of them does.
// Words are written as users type them; lookups fold case and diacritics.
// A word with a space is a two-word phrase, matched before single words.
type group struct {
	words string // comma-separated
	e     effect
}

// section is a titled part of the word table.
type section struct {
	title  string
	groups []group
}

// lexicon is the word table, in the order the documentation lists it.
var lexicon = []section{
	{"Gender", []group{
		{"male, man, men, masculine, guy, gentleman, gent, dude, bloke, chap, fellow, he, him, his, father, dad, husband, brother, son, uncle, king, sir, mister, mr, businessman, hombre, masculino, homme, masculin, mann, männlich, uomo, maschile, homem, мужчина, мужской",
			effect{gender: GenderMale}},
		{"female, woman, women, feminine, lady, ladies, gal, she, her, hers, mother, mom, mum, wife, sister, daughter, aunt, queen, madam, miss, mrs, ms, businesswoman, mujer, femenina, femenino, femme, féminin, frau, weiblich, donna, femminile, mulher, feminina, женщина, женский",
			effect{gender: GenderFemale}},
		{"boy, lad, chico, garçon, junge, ragazzo, menino, парень",
			effect{gender: GenderMale, age: AgeYoung, pitch: 1.5}},
		{"girl, lass, chica, fille, mädchen, ragazza, menina, девушка",
			effect{gender: GenderFemale, age: AgeYoung, pitch: 1}},
		{"grandpa, grandfather, granddad, abuelo, nonno, opa, дедушка",
			effect{gender: GenderMale, age: AgeOld, rate: 0.9, rng: 0.9}},
		{"grandma, grandmother, granny, abuela, nonna, oma, бабушка",
			effect{gender: GenderFemale, age: AgeOld, rate: 0.9, rng: 0.9}},
		{"baritone, barítono",
			effect{gender: GenderMale, pitch: -2}},
		{"tenor, tenore",
			effect{gender: GenderMale, pitch: 1.5}},
		{"contralto",
			effect{gender: GenderFemale, pitch: -1.5}},
		{"soprano",
			effect{gender: GenderFemale, pitch: 3}},
		{"latina",
			effect{gender: GenderFemale, accent: AccentLatinAmerican}},
	}},
	{"Age", []group{
		{"child, children, kid, kids, childlike, childish, niño, niña, enfant, bambino, bambina, criança, ребёнок",
			effect{age: AgeYoung, pitch: 4, rate: 1.05}},
		{"teen, teens, teenager, teenage, teenaged, adolescent, adolescente",
			effect{age: AgeYoung, pitch: 1}},
		{"young, younger, youthful, youth, joven, jeune, jung, giovane, jovem, молодой",
			effect{age: AgeYoung, pitch: 1.5, rate: 1.05}},
		{"adult, grown, grownup, middle aged, middleaged",
			effect{age: ageAdult}},
		{"old, older, elderly, aged, senior, ancient, aging, ageing, elder, viejo, vieja, anciano, anciana, vieux, vieille, alt, alte, alter, vecchio, vecchia, anziano, anziana, velho, velha, idoso, idosa, старый, пожилой",
			effect{age: AgeOld, rate: 0.9, rng: 0.9}},
	}},
	{"Accent", []group{
		{"american, america, us, usa, u s, united states, yankee, americano, americana, américain, américaine, amerikanisch, американский",
			effect{accent: AccentAmerican}},
		{"british, britain, brit, uk, u k, united kingdom, english, england, london, londoner, cockney, británico, británica, britannique, britisch, britannico, britannica, inglés, inglesa, anglais, anglaise, englisch, inglese, британский, английский",
			effect{accent: AccentBritish}},
		{"rp, received pronunciation, posh, oxford, queens english, bbc",
			effect{accent: AccentRP}},
		{"scottish, scots, scot, scotland, glasgow, edinburgh, highland, escocés, escocesa, écossais, écossaise, schottisch, scozzese, шотландский",
			effect{accent: AccentScottish}},
		{"northern, lancashire, lancaster, manchester, mancunian, yorkshire, geordie",
			effect{accent: AccentNorthern}},
		{"midlands, west midlands, birmingham, brummie",
			effect{accent: AccentMidlands}},
		{"caribbean, jamaican, jamaica, west indian, trinidadian, barbadian, caribeño, caribeña",
			effect{accent: AccentCaribbean}},
		{"new york, new yorker, nyc, brooklyn, bronx",
			effect{accent: AccentNewYork}},
		{"latin american, south american, latino, latinoamericano, latinoamericana, mexican, mexico, mexicano, mexicana, colombian, argentinian, argentine",
			effect{accent: AccentLatinAmerican}},
		{"european, castilian, castellano, spain, spaniard, madrid, iberian, portugal, lisbon, lisboa",
			effect{accent: AccentEuropean}},
		{"brazilian, brazil, brasil, brasileiro, brasileira, carioca, paulista",
			effect{accent: AccentBrazilian}},
		{"belgian, belgium, belge, belgique, brussels, bruxelles",
			effect{accent: AccentBelgian}},
		{"swiss, switzerland, suisse, geneva, genève",
			effect{accent: AccentSwiss}},
	}},
	{"Style", []group{
		{"whisper, whispers, whispering, whispered, whispery, susurro, susurrando, susurrada, chuchoté, chuchotée, chuchotement, chuchotant, flüsternd, flüstern, sussurro, sussurrando, sussurrata, sussurrada, шёпот, шёпотом",
			effect{style: StyleWhisper, volume: 0.6, rate: 0.95}},
		{"robotic, robot, robotlike, mechanical, synthetic, computer, computerized, android, cyborg, robótico, robótica, robotique, roboterhaft, робот",
			effect{style: StyleRobotic, rng: 0.3}},
		{"natural, human, humanlike, lifelike, realistic",
			effect{style: styleNatural}},
	}},
	{"Pitch", []group{
		{"bass, basso",
			effect{pitch: -4}},
		{"deep, deeper, deepest, profundo, profunda, profond, profonde, tief, tiefe, tiefer, profondo, глубокий",
			effect{pitch: -3}},
		{"low, lower, lowest, low pitched, grave, низкий",
			effect{pitch: -2.5}},
		{"husky, gravelly, raspy, gruff, hoarse, rough, throaty, smoky, smokey",
			effect{pitch: -1.5, volume: 0.95}},
		{"rich, resonant, full",
			effect{pitch: -1, rng: 1.1}},
		{"mellow, velvety, smooth, silky",
			effect{pitch: -1, rate: 0.95, rng: 0.9}},
		{"high, higher, highest, high pitched, agudo, aguda, aigu, aiguë, hoch, hohe, hoher, acuto, acuta, высокий",
			effect{pitch: 3}},
		{"bright, brighter, crisp",
			effect{pitch: 2, rng: 1.1}},
		{"squeaky, squeaking, chipmunk",
			effect{pitch: 5}},
		{"shrill, piercing, screechy",
			effect{pitch: 4, volume: 1.1}},
		{"light, airy, thin",
			effect{pitch: 1.5, volume: 0.9}},
		{"sweet",
			effect{pitch: 1, rng: 1.1}},
	}},
	{"Character", []group{
		{"warm, warmer, warmly, cozy, cosy, caring, cálido, cálida, chaleureux, chaleureuse, warme, caldo, calda, quente, тёплый",
			effect{pitch: -1, rate: 0.95, rng: 0.9}},
		{"friendly, approachable, pleasant, welcoming, nice, amable, amigable, amical, freundlich, amichevole, simpático, simpática",
			effect{pitch: 0.5, rng: 1.15}},
		{"cold, icy, distant, detached, aloof, frío, fría, froid, froide, kalt, freddo, fredda, холодный",
			effect{rng: 0.6}},
		{"flat, emotionless, deadpan, dull, bored, boring, plain",
			effect{rng: 0.45}},
		{"monotone, monotonous, monotonic, monótono, monótona, monoton",
			effect{rng: 0.25}},
		{"expressive, expressively, animated, dynamic, emotional, emotive, expresivo, expresiva, expressif, ausdrucksstark, espressivo, espressiva",
			effect{rng: 1.5}},
		{"lively, vivid, vibrant, spirited, vivaz, vivace, lebhaft",
			effect{pitch: 0.5, rate: 1.1, rng: 1.4}},
		{"dramatic, theatrical, melodramatic, dramático, dramática, dramatique, dramatisch, drammatico",
			effect{rate: 0.95, rng: 1.6}},
		{"enthusiastic, passionate, eager, entusiasta, enthousiaste, begeistert",
			effect{pitch: 1, rate: 1.1, rng: 1.45, volume: 1.1}},
		{"melodic, melodious, musical, singsong",
			effect{rng: 1.6}},
		{"cheerful, happy, joyful, bubbly, perky, sunny, playful, alegre, joyeux, joyeuse, fröhlich, allegro, allegra, felice, feliz, весёлый",
			effect{pitch: 1.5, rate: 1.08, rng: 1.35}},
		{"sad, melancholy, melancholic, somber, sombre, gloomy, depressed, mournful, triste, traurig, грустный",
			effect{pitch: -1.5, rate: 0.85, rng: 0.6, volume: 0.9}},
		{"serious, solemn, formal, professional, businesslike, serio, seria, sérieux, sérieuse, ernst",
			effect{pitch: -0.5, rng: 0.8}},
		{"stern, strict, harsh",
			effect{pitch: -1, rng: 0.7, volume: 1.1}},
		{"authoritative, commanding",
			effect{pitch: -1.5, rate: 0.95, rng: 0.9, volume: 1.2}},
		{"confident, assertive, self assured",
			effect{rng: 1.1, volume: 1.1}},
		{"nervous, anxious, jittery, shaky",
			effect{pitch: 1, rate: 1.12, rng: 0.9}},
	}},
	{"Speed", []group{
		{"slow, slowly, slower, slowest, lento, lenta, lentamente, lent, lente, lentement, langsam, langsame, langsamer, devagar, медленно, медленный",
			effect{rate: 0.8}},
		{"leisurely, unhurried, drawling, drawl, deliberate, measured",
			effect{rate: 0.87, rng: 0.9}},
		{"calm, calmly, calming, tranquil, peaceful, serene, composed, tranquilo, tranquila, calme, ruhig, calmo, calma, спокойный",
			effect{rate: 0.9, rng: 0.85, volume: 0.95}},
		{"relaxed, laid back, easygoing, chill",
			effect{rate: 0.88, rng: 0.9}},
		{"soothing, comforting, reassuring, lulling, hypnotic",
			effect{pitch: -0.5, rate: 0.85, rng: 0.85, volume: 0.9}},
		{"gentle, gently, tender, tenderly",
			effect{rate: 0.92, volume: 0.88}},
		{"sleepy, tired, drowsy, weary, exhausted, lazy",
			effect{pitch: -1, rate: 0.8, rng: 0.7, volume: 0.85}},
		{"fast, faster, fastest, rápido, rápida, rapide, rapidement, schnell, schneller, veloce, velocemente, быстро, быстрый",
			effect{rate: 1.25}},
		{"quick, quickly, quicker, speedy, brisk, briskly, snappy",
			effect{rate: 1.18}},
		{"rapid, rapidly, hurried, rushed, hasty",
			effect{rate: 1.3}},
		{"energetic, energized, peppy, vigorous, enérgico, enérgica, énergique, energisch",
			effect{pitch: 0.5, rate: 1.15, rng: 1.3, volume: 1.1}},
		{"excited, exciting, thrilled, hyper, emocionado, emocionada, excité, excitée, aufgeregt, eccitato, eccitata",
			effect{pitch: 1.5, rate: 1.15, rng: 1.4, volume: 1.1}},
		{"upbeat, bouncy, sprightly",
			effect{pitch: 1, rate: 1.1, rng: 1.25}},
		{"urgent, urgently, frantic, panicked, panicky",
			effect{pitch: 1, rate: 1.25, rng: 1.1, volume: 1.15}},
	}},
	{"Loudness", []group{
		{"loud, loudly, louder, loudest, high volume, fuerte, fort, forte, laut, lauter, громкий, громко",
			effect{volume: 1.3}},
		{"strong, stronger, firm, sturdy",
			effect{pitch: -0.5, volume: 1.2}},
		{"powerful, mighty, potente, puissant, puissante, kraftvoll, мощный",
			effect{pitch: -1, rng: 1.1, volume: 1.3}},
		{"booming, thunderous, big",
			effect{pitch: -2, volume: 1.35}},
		{"bold, boldly, brash",
			effect{rng: 1.1, volume: 1.15}},
		{"shouting, shout, shouty, yelling, yell, screaming",
			effect{pitch: 1.5, rate: 1.05, rng: 1.2, volume: 1.5}},
		{"soft, softly, softer, softest, suave, doux, douce, sanft, morbido, morbida",
			effect{rng: 0.9, volume: 0.75}},
		{"quiet, quietly, quieter, hushed, muted, subdued, low volume, leise, тихий, тихо",
			effect{volume: 0.7}},
		{"breathy",
			effect{rng: 0.9, volume: 0.85}},
		{"faint, weak, feeble, frail",
			effect{volume: 0.6}},
		{"timid, shy, meek, bashful, hesitant",
			effect{pitch: 0.5, rate: 0.95, rng: 0.85, volume: 0.8}},
		{"murmur, murmuring, murmured, mumble, mumbling",
			effect{rate: 0.9, volume: 0.7}},
		{"high speed", effect{rate: 1.25}},
		{"low speed", effect{rate: 0.8}},
		{"high energy", effect{pitch: 0.5, rate: 1.15, rng: 1.3, volume: 1.1}},
		{"low energy", effect{rate: 0.9, rng: 0.8, volume: 0.9}},
		{"clear, clearly, articulate",
			effect{rate: 0.95}},
	}},
}

// Modifiers scale or invert the next understood word.
var (
	// intensifiers multiply the next word's effect; chained ones multiply
	// together, up to maxIntensity.
	intensifiers = []struct {
		words string
		scale float64
	}{
		{"extremely, super, incredibly, exceptionally, ultra, insanely", 2},
		{"very, highly, muy, très, sehr, molto, muito, очень", 1.6},
		{"really, so, truly, especially", 1.5},
		{"quite, pretty, rather, more, much, bastante, assez, ziemlich, piuttosto", 1.25},
		{"too", 1},
		{"fairly", 0.8},
		{"moderately", 0.7},
		{"slightly, slight, somewhat, bit, little, little bit, tad, mildly, kinda, sorta, kind of, sort of, poco, ligeramente, peu, légèrement, etwas, leicht, leggermente, pouco, levemente, немного, слегка", 0.5},
		{"barely", 0.3},
	}
	// negators turn the next word's effect into the opposite at half
	// strength ("not too fast" is a little slower than the default).
	negators = "not, no, never, dont, doesnt, isnt, arent, wasnt, shouldnt, wont, nor, without, non, less, sin, pas, sans, nicht, kein, keine, nie, ohne, senza, não, sem, не, без"
	// breakers end the reach of pending modifiers.
	breakers = "but, yet, though, although, however, except, whereas, pero, sino, mais, aber, sondern, ma, mas, но"
)

// maxIntensity bounds chained intensifiers ("very very very ...").
const maxIntensity = 4.0

// maxGap is how many ordinary words may stand between a modifier and the
// word it modifies ("not speaking too fast").
const maxGap = 2

type wordKind uint8

const (
	kindEffect wordKind = iota + 1
	kindIntensifier
	kindNegator
	kindBreaker
)

type entry struct {
	kind  wordKind
	e     effect
	scale float64
}

// words maps folded words and phrases to their meaning; maxPhraseWords is
// the length of the longest phrase.
var words, maxPhraseWords = buildWords()

func buildWords() (map[string]entry, int) {
	m := make(map[string]entry)
	longest := 1
	add := func(list string, en entry) {
		for _, w := range splitList(list) {
			k := foldPhrase(w)
			if _, dup := m[k]; dup {
				panic(fmt.Sprintf("voice: word %q listed twice", w))
			}
			m[k] = en
			longest = max(longest, strings.Count(k, " ")+1)
		}
	}
	for _, sec := range lexicon {
		for _, g := range sec.groups {
			add(g.words, entry{kind: kindEffect, e: g.e})
		}
	}
	for _, in := range intensifiers {
		add(in.words, entry{kind: kindIntensifier, scale: in.scale})
	}
	add(negators, entry{kind: kindNegator})
	add(breakers, entry{kind: kindBreaker})
	return m, longest
}

func splitList(list string) []string {
	parts := strings.Split(list, ",")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	return parts
}

// foldPhrase folds a table word or phrase the way tokenize folds input.
func foldPhrase(w string) string {
	toks := tokenize(w)
	keys := make([]string, len(toks))
	for i, t := range toks {
		keys[i] = t.key
	}
	return strings.Join(keys, " ")
}
