// Package voice owns voice design: it turns a free-text voice description
// ("a warm, deep male voice, speaking slowly") into an engine-neutral
// Profile, and a Profile into the concrete engine voice that speaks each
// language, choosing installed neural voices first (Catalog). This is
// parameter matching over a fixed, documented word table, not a generative
// voice model: the same description always gives the same voice, and the
// words below are all it understands. The package also
// matches reference recordings to a Profile the same way, by measurement
// rather than cloning, and signs Profiles into the voice clone prompts that
// clients hand back.
//
// # How a description is read
//
// The description is lower-cased and split into words at anything that is
// not a letter or a digit; apostrophes are dropped ("don't" is "dont") and
// diacritics folded ("rapido" finds "rápido"). Words and phrases ("laid
// back", "new york") are looked up in the word table, longest phrase first;
// other words are ignored. Then:
//
//   - Gender, accent, age and style are choices, and the last word wins
//     ("male female" is female). A broader accent does not replace a
//     narrower one ("posh British" stays RP), and "English" straight after
//     an accent word is absorbed ("American English" is American).
//   - Pitch adds semitones; rate, range and volume multiply. Effects
//     accumulate ("deep low" is 5.5 semitones down) and opposites cancel
//     ("fast slow" is the default rate).
//   - An intensifier scales the prosody of the next understood word
//     ("very deep" is 1.6 × 3 = 4.8 semitones down); chained intensifiers
//     multiply, up to ×4.
//   - A negator turns the next understood word into its opposite at half
//     strength: "not too fast" is a little slower than the default, and
//     "slow, but not too slow" is less slow than "slow". A negated gender,
//     accent, age or style word is ignored, as it names nothing to use
//     instead.
//   - Modifiers reach across at most two other words ("not speaking too
//     fast"), and never across a word like "but".
//   - "strong", "light" or "faint" just before an accent word describe the
//     accent, not the voice, and are ignored.
//
// Finally pitch is clamped to ±8 semitones, range to 0.01–2 (not 0, which
// engines read as "the voice's own"), rate to 0.6–1.8 and volume to
// 0.3–1.6, and each is rounded to two decimals. Profile.Terms lists what was
// understood, each word with its modifiers.
//
// # Word table
//
// Pitch is in semitones relative to the engine voice's own; rate, range
// (pitch movement) and volume are multipliers. A word with a category also
// sets it; "age adult" and "style natural" clear an earlier age or style.
//
//	Gender:
//	  male, man, men, masculine, guy, gentleman, gent, dude,  gender male
//	    bloke, chap, fellow, he, him, his, father, dad,
//	    husband, brother, son, uncle, king, sir, mister, mr,
//	    businessman, hombre, masculino, homme, masculin,
//	    mann, männlich, uomo, maschile, homem, мужчина,
//	    мужской
//	  female, woman, women, feminine, lady, ladies, gal,      gender female
//	    she, her, hers, mother, mom, mum, wife, sister,
//	    daughter, aunt, queen, madam, miss, mrs, ms,
//	    businesswoman, mujer, femenina, femenino, femme,
//	    féminin, frau, weiblich, donna, femminile, mulher,
//	    feminina, женщина, женский
//	  boy, lad, chico, garçon, junge, ragazzo, menino,        gender male, age young, pitch +1.5
//	    парень
//	  girl, lass, chica, fille, mädchen, ragazza, menina,     gender female, age young, pitch +1
//	    девушка
//	  grandpa, grandfather, granddad, abuelo, nonno, opa,     gender male, age old, rate ×0.9, range ×0.9
//	    дедушка
//	  grandma, grandmother, granny, abuela, nonna, oma,       gender female, age old, rate ×0.9, range ×0.9
//	    бабушка
//	  baritone, barítono                                      gender male, pitch -2
//	  tenor, tenore                                           gender male, pitch +1.5
//	  contralto                                               gender female, pitch -1.5
//	  soprano                                                 gender female, pitch +3
//	  latina                                                  gender female, accent latin-american
//	Age:
//	  child, children, kid, kids, childlike, childish, niño,  age young, pitch +4, rate ×1.05
//	    niña, enfant, bambino, bambina, criança, ребёнок
//	  teen, teens, teenager, teenage, teenaged, adolescent,   age young, pitch +1
//	    adolescente
//	  young, younger, youthful, youth, joven, jeune, jung,    age young, pitch +1.5, rate ×1.05
//	    giovane, jovem, молодой
//	  adult, grown, grownup, middle aged, middleaged          age adult
//	  old, older, elderly, aged, senior, ancient, aging,      age old, rate ×0.9, range ×0.9
//	    ageing, elder, viejo, vieja, anciano, anciana,
//	    vieux, vieille, alt, alte, alter, vecchio, vecchia,
//	    anziano, anziana, velho, velha, idoso, idosa,
//	    старый, пожилой
//	Accent:
//	  american, america, us, usa, u s, united states,         accent american
//	    yankee, americano, americana, américain, américaine,
//	    amerikanisch, американский
//	  british, britain, brit, uk, u k, united kingdom,        accent british
//	    english, england, london, londoner, cockney,
//	    británico, británica, britannique, britisch,
//	    britannico, britannica, inglés, inglesa, anglais,
//	    anglaise, englisch, inglese, британский, английский
//	  rp, received pronunciation, posh, oxford,               accent rp
//	    queens english, bbc
//	  scottish, scots, scot, scotland, glasgow, edinburgh,    accent scottish
//	    highland, escocés, escocesa, écossais, écossaise,
//	    schottisch, scozzese, шотландский
//	  northern, lancashire, lancaster, manchester,            accent northern
//	    mancunian, yorkshire, geordie
//	  midlands, west midlands, birmingham, brummie            accent midlands
//	  caribbean, jamaican, jamaica, west indian,              accent caribbean
//	    trinidadian, barbadian, caribeño, caribeña
//	  new york, new yorker, nyc, brooklyn, bronx              accent new-york
//	  latin american, south american, latino,                 accent latin-american
//	    latinoamericano, latinoamericana, mexican, mexico,
//	    mexicano, mexicana, colombian, argentinian,
//	    argentine
//	  european, castilian, castellano, spain, spaniard,       accent european
//	    madrid, iberian, portugal, lisbon, lisboa
//	  brazilian, brazil, brasil, brasileiro, brasileira,      accent brazilian
//	    carioca, paulista
//	  belgian, belgium, belge, belgique, brussels, bruxelles  accent belgian
//	  swiss, switzerland, suisse, geneva, genève              accent swiss
//	Style:
//	  whisper, whispers, whispering, whispered, whispery,     style whisper, rate ×0.95, volume ×0.6
//	    susurro, susurrando, susurrada, chuchoté, chuchotée,
//	    chuchotement, chuchotant, flüsternd, flüstern,
//	    sussurro, sussurrando, sussurrata, sussurrada,
//	    шёпот, шёпотом
//	  robotic, robot, robotlike, mechanical, synthetic,       style robotic, range ×0.3
//	    computer, computerized, android, cyborg, robótico,
//	    robótica, robotique, roboterhaft, робот
//	  natural, human, humanlike, lifelike, realistic          style natural
//	Pitch:
//	  bass, basso                                             pitch -4
//	  deep, deeper, deepest, profundo, profunda, profond,     pitch -3
//	    profonde, tief, tiefe, tiefer, profondo, глубокий
//	  low, lower, lowest, low pitched, grave, низкий          pitch -2.5
//	  husky, gravelly, raspy, gruff, hoarse, rough, throaty,  pitch -1.5, volume ×0.95
//	    smoky, smokey
//	  rich, resonant, full                                    pitch -1, range ×1.1
//	  mellow, velvety, smooth, silky                          pitch -1, rate ×0.95, range ×0.9
//	  high, higher, highest, high pitched, agudo, aguda,      pitch +3
//	    aigu, aiguë, hoch, hohe, hoher, acuto, acuta,
//	    высокий
//	  bright, brighter, crisp                                 pitch +2, range ×1.1
//	  squeaky, squeaking, chipmunk                            pitch +5
//	  shrill, piercing, screechy                              pitch +4, volume ×1.1
//	  light, airy, thin                                       pitch +1.5, volume ×0.9
//	  sweet                                                   pitch +1, range ×1.1
//	Character:
//	  warm, warmer, warmly, cozy, cosy, caring, cálido,       pitch -1, rate ×0.95, range ×0.9
//	    cálida, chaleureux, chaleureuse, warme, caldo,
//	    calda, quente, тёплый
//	  friendly, approachable, pleasant, welcoming, nice,      pitch +0.5, range ×1.15
//	    amable, amigable, amical, freundlich, amichevole,
//	    simpático, simpática
//	  cold, icy, distant, detached, aloof, frío, fría,        range ×0.6
//	    froid, froide, kalt, freddo, fredda, холодный
//	  flat, emotionless, deadpan, dull, bored, boring, plain  range ×0.45
//	  monotone, monotonous, monotonic, monótono, monótona,    range ×0.25
//	    monoton
//	  expressive, expressively, animated, dynamic,            range ×1.5
//	    emotional, emotive, expresivo, expresiva, expressif,
//	    ausdrucksstark, espressivo, espressiva
//	  lively, vivid, vibrant, spirited, vivaz, vivace,        pitch +0.5, rate ×1.1, range ×1.4
//	    lebhaft
//	  dramatic, theatrical, melodramatic, dramático,          rate ×0.95, range ×1.6
//	    dramática, dramatique, dramatisch, drammatico
//	  enthusiastic, passionate, eager, entusiasta,            pitch +1, rate ×1.1, range ×1.45, volume ×1.1
//	    enthousiaste, begeistert
//	  melodic, melodious, musical, singsong                   range ×1.6
//	  cheerful, happy, joyful, bubbly, perky, sunny,          pitch +1.5, rate ×1.08, range ×1.35
//	    playful, alegre, joyeux, joyeuse, fröhlich, allegro,
//	    allegra, felice, feliz, весёлый
//	  sad, melancholy, melancholic, somber, sombre, gloomy,   pitch -1.5, rate ×0.85, range ×0.6, volume ×0.9
//	    depressed, mournful, triste, traurig, грустный
//	  serious, solemn, formal, professional, businesslike,    pitch -0.5, range ×0.8
//	    serio, seria, sérieux, sérieuse, ernst
//	  stern, strict, harsh                                    pitch -1, range ×0.7, volume ×1.1
//	  authoritative, commanding                               pitch -1.5, rate ×0.95, range ×0.9, volume ×1.2
//	  confident, assertive, self assured                      range ×1.1, volume ×1.1
//	  nervous, anxious, jittery, shaky                        pitch +1, rate ×1.12, range ×0.9
//	Speed:
//	  slow, slowly, slower, slowest, lento, lenta,            rate ×0.8
//	    lentamente, lent, lente, lentement, langsam,
//	    langsame, langsamer, devagar, медленно, медленный
//	  leisurely, unhurried, drawling, drawl, deliberate,      rate ×0.87, range ×0.9
//	    measured
//	  calm, calmly, calming, tranquil, peaceful, serene,      rate ×0.9, range ×0.85, volume ×0.95
//	    composed, tranquilo, tranquila, calme, ruhig, calmo,
//	    calma, спокойный
//	  relaxed, laid back, easygoing, chill                    rate ×0.88, range ×0.9
//	  soothing, comforting, reassuring, lulling, hypnotic     pitch -0.5, rate ×0.85, range ×0.85, volume ×0.9
//	  gentle, gently, tender, tenderly                        rate ×0.92, volume ×0.88
//	  sleepy, tired, drowsy, weary, exhausted, lazy           pitch -1, rate ×0.8, range ×0.7, volume ×0.85
//	  fast, faster, fastest, rápido, rápida, rapide,          rate ×1.25
//	    rapidement, schnell, schneller, veloce, velocemente,
//	    быстро, быстрый
//	  quick, quickly, quicker, speedy, brisk, briskly,        rate ×1.18
//	    snappy
//	  rapid, rapidly, hurried, rushed, hasty                  rate ×1.3
//	  energetic, energized, peppy, vigorous, enérgico,        pitch +0.5, rate ×1.15, range ×1.3, volume ×1.1
//	    enérgica, énergique, energisch
//	  excited, exciting, thrilled, hyper, emocionado,         pitch +1.5, rate ×1.15, range ×1.4, volume ×1.1
//	    emocionada, excité, excitée, aufgeregt, eccitato,
//	    eccitata
//	  upbeat, bouncy, sprightly                               pitch +1, rate ×1.1, range ×1.25
//	  urgent, urgently, frantic, panicked, panicky            pitch +1, rate ×1.25, range ×1.1, volume ×1.15
//	Loudness:
//	  loud, loudly, louder, loudest, high volume, fuerte,     volume ×1.3
//	    fort, forte, laut, lauter, громкий, громко
//	  strong, stronger, firm, sturdy                          pitch -0.5, volume ×1.2
//	  powerful, mighty, potente, puissant, puissante,         pitch -1, range ×1.1, volume ×1.3
//	    kraftvoll, мощный
//	  booming, thunderous, big                                pitch -2, volume ×1.35
//	  bold, boldly, brash                                     range ×1.1, volume ×1.15
//	  shouting, shout, shouty, yelling, yell, screaming       pitch +1.5, rate ×1.05, range ×1.2, volume ×1.5
//	  soft, softly, softer, softest, suave, doux, douce,      range ×0.9, volume ×0.75
//	    sanft, morbido, morbida
//	  quiet, quietly, quieter, hushed, muted, subdued,        volume ×0.7
//	    low volume, leise, тихий, тихо
//	  breathy                                                 range ×0.9, volume ×0.85
//	  faint, weak, feeble, frail                              volume ×0.6
//	  timid, shy, meek, bashful, hesitant                     pitch +0.5, rate ×0.95, range ×0.85, volume ×0.8
//	  murmur, murmuring, murmured, mumble, mumbling           rate ×0.9, volume ×0.7
//	  high speed                                              rate ×1.25
//	  low speed                                               rate ×0.8
//	  high energy                                             pitch +0.5, rate ×1.15, range ×1.3, volume ×1.1
//	  low energy                                              rate ×0.9, range ×0.8, volume ×0.9
//	  clear, clearly, articulate                              rate ×0.95
//
// # Modifiers
//
// Intensifiers multiply the next word's prosody by their factor; negators
// invert it at half strength; breakers drop pending modifiers.
//
//	extremely, super, incredibly, exceptionally, ultra,       ×2
//	  insanely
//	very, highly, muy, très, sehr, molto, muito, очень        ×1.6
//	really, so, truly, especially                             ×1.5
//	quite, pretty, rather, more, much, bastante, assez,       ×1.25
//	  ziemlich, piuttosto
//	too                                                       ×1
//	fairly                                                    ×0.8
//	moderately                                                ×0.7
//	slightly, slight, somewhat, bit, little, little bit,      ×0.5
//	  tad, mildly, kinda, sorta, kind of, sort of, poco,
//	  ligeramente, peu, légèrement, etwas, leicht,
//	  leggermente, pouco, levemente, немного, слегка
//	barely                                                    ×0.3
//	not, no, never, dont, doesnt, isnt, arent, wasnt,         opposite at half strength
//	  shouldnt, wont, nor, without, non, less, sin, pas,
//	  sans, nicht, kein, keine, nie, ohne, senza, não, sem,
//	  не, без
//	but, yet, though, although, however, except, whereas,     drop pending modifiers
//	  pero, sino, mais, aber, sondern, ma, mas, но
//
// # Engine voices
//
// VoiceFor picks the engine voice for a language. English uses flite, the
// more natural engine, whenever a flite voice has the profile's gender,
// accent and style; everything else uses espeak-ng, whose voice is chosen by
// language and accent (an accent the language lacks gives its default) and
// whose variant is chosen by style, age and gender, first match wins. An
// unspecified gender is the default voice's, except that a robotic voice is
// male; an unspecified English accent is the default voice's. Pitch, range,
// rate and volume carry over unchanged. Names are as espeak_SetVoiceByName
// accepts them in Debian's espeak-ng-data 1.51. There are no Irish,
// Australian, Indian, Canadian French or Swiss German voices, so those words
// are not understood.
//
//	English with flite (profile → voice):
//	  female american                flite slt
//	  male american                  flite rms
//	  male scottish                  flite awb
//	  male american robotic          flite kal16
//	espeak-ng voices (accent → voice):
//	  English     default en-us, american en-us, british en-gb, rp en-gb-x-rp,
//	              scottish en-gb-scotland, northern en-gb-x-gbclan,
//	              midlands en-gb-x-gbcwmd, caribbean en-029, new-york en-us-nyc
//	  Spanish     default es-419, latin-american es-419, european es
//	  Portuguese  default pt-br, european pt, brazilian pt-br
//	  German      default de
//	  French      default fr, european fr, belgian fr-be, swiss fr-ch
//	  Italian     default it
//	  Chinese     default cmn-latn-pinyin
//	  Japanese    default ja
//	  Korean      default ko
//	  Russian     default ru
//	espeak-ng variants (style, age, gender → variant; first match):
//	  whisper  any   any     whisper
//	  robotic  any   female  anikaRobot
//	  robotic  any   male    robosoft2
//	  any      old   female  f1
//	  any      old   male    grandpa
//	  any      young female  f5
//	  any      young male    m5
//	  any      any   female  f2
//	  any      any   male    m6
//
// The server's default voice is DefaultDescription, "female american":
// flite's slt in English.
//
// # Neural voices
//
// With neural voices installed (Piper, Kokoro: see engine), Catalog.VoiceFor
// chooses among them before the rules above. A profile naming a voice
// (Profile.Voice, from a client's "piper:…" or "kokoro:…" name, a saved
// voice or a clone prompt) speaks with it. Otherwise a profile without a
// style looks for voices of the segment's language and of its gender (the
// default voice's if it has none) and, if it names one, its accent (else
// the default voice's accent is preferred in English); among those, the
// voice whose F0, measured once at load, is nearest in semitones to 195 Hz
// (female) or 115 Hz (male) moved by the profile's pitch wins. Age counts
// through pitch. A voice's gender is its publisher's (Kokoro's names say
// it) or else its F0's (below GenderThresholdHz is male); its accent is
// its locale's region (en_US American, en_GB British, es_ES European,
// es_MX Latin American, pt_BR Brazilian, pt_PT European, fr_FR European,
// fr_BE Belgian, fr_CH Swiss) or, for Piper's alba and
// northern_english_male, Scottish and Northern. Where no neural voice
// fits (a Scottish man with no such voice installed, a whisper, a language
// without one), the parametric engines speak as above. A neural voice
// takes the profile's rate (as the model's length scale) and volume, not
// its pitch or range: it was chosen for its pitch, and shifting a neural
// voice's signal would cost the naturalness it was chosen for. With no
// neural voice installed, every profile speaks exactly as without Catalog.
//
// # Reference audio (parameter matching, not cloning)
//
// Parley has no voice-cloning model and does not clone voices. From a
// reference recording it measures the voice and chooses the closest
// settings of one of its parametric engine voices (flite, espeak-ng; not
// the neural ones): gender, pitch shift, pitch range
// and rate. A voice saved from audio sounds like the reference in pitch,
// intonation and tempo only; timbre, accent and pronunciation are the
// engine voice's.
//
// Analyze measures: the median and the 10th and 90th percentiles of F0
// (audio.AnalyzePitch: YIN over 60–500 Hz), the share of sounding frames
// that are voiced, syllable nuclei per second of speech (audio.SpeechRate),
// the duration and the speech time (10 ms frames above -55 dBFS and within
// 40 dB of the loudest), and brightness (the spectral centroid of the
// long-term spectrum up to 8 kHz, reported, not used for matching). It
// refuses audio with less than 1 s of speech (ErrTooShort), nothing above
// -55 dBFS (ErrSilent), or under 10% voiced (ErrUnvoiced: whispering,
// noise); engine voices measure 30–85% voiced, whispering 0%.
//
// A reference is at most MaxReference (60 s) long (ErrTooLong), at 8 to
// 48 kHz (ErrSampleRate); ReferenceLimits gives these limits to a WAV
// reader, which refuses a file beyond them from its header. A minute of
// 48 kHz audio takes about 0.2 s to analyse on one core
// (BenchmarkAnalyze: about 300 times real time). Its text, for MatchText,
// is at most MaxRefTextPerSecond (30) characters per second of the
// recording (CheckRefText): about twice what anyone speaks. Analyze and
// MatchText stop soon after their context ends.
//
// Match chooses without knowing the words. A median F0 below 160 Hz
// (GenderThresholdHz) is male, else female; the engine voice is VoiceFor's
// for that gender in the language: flite slt or rms in English, espeak-ng
// with variant f2 or m6 elsewhere. The range is the one at which that
// voice's F0 spread (10th to 90th percentile, in semitones) equals the
// reference's. The pitch shift is 12·log2(reference median / voice median),
// less the median's shift at that range: espeak-ng widens its range
// upwards, so a wider range alone raises its median. The rate is the ratio
// of nuclei per second, held to 0.8–1.25. Shifts stop at ±8 semitones, so
// rms reaches up to 151 Hz and slt down to 107 Hz.
//
// MatchText does better when the words are known (the API's ref_text). It
// speaks them with Match's profile, measures the result, sets the range
// from the two spreads, and corrects pitch and rate until the synthesis's
// median F0 and speech time are the reference's: durations of the same
// words, which counting nuclei in different texts cannot match. It costs
// three or four syntheses of the text.
//
// Each voice's figures come from measurement, not from its documentation:
// every voice Match can choose speaks the opening of "The North Wind and
// the Sun" in its language (calibrate_test.go) at neutral prosody and at
// ranges 0.1 to 2, measured by Analyze. calibration.go holds the result,
// written by go test ./voice -run TestCalibrate -calibrate. Spread and
// shifts are in semitones, speech rate in nuclei per second:
//
//	                                       median     F0 speech   median shift at range
//	language    voice                       F0 Hz spread   rate    0.1   0.5   1.5     2
//	English     flite slt                   170.0   3.07   2.83   +0.2  +0.1  -0.1  -0.1
//	English     flite rms                    95.4   4.18   4.03   +0.4  +0.2  -0.2  -0.1
//	Spanish     espeak es-419+f2            199.6   2.51   4.44   -2.5  -1.5  +1.8  +2.4
//	Spanish     espeak es-419+m6            103.1   2.07   4.65   -2.2  -1.3  +1.6  +2.1
//	Portuguese  espeak pt-br+f2             198.3   3.11   5.28   -2.4  -1.4  +1.8  +2.3
//	Portuguese  espeak pt-br+m6             102.4   2.63   5.23   -2.1  -1.3  +1.6  +2.0
//	German      espeak de+f2                187.6   5.62   5.28   -1.5  -0.9  +1.2  +1.7
//	German      espeak de+m6                 98.4   5.02   5.30   -1.5  -0.9  +1.2  +1.7
//	French      espeak fr+f2                190.7   4.07   5.69   -1.8  -1.1  +1.3  +1.8
//	French      espeak fr+m6                 99.0   3.48   5.80   -1.6  -0.9  +1.3  +1.7
//	Italian     espeak it+f2                189.9   3.65   5.49   -1.8  -1.1  +1.4  +1.8
//	Italian     espeak it+m6                 98.8   3.16   5.55   -1.5  -0.9  +1.2  +1.6
//	Chinese     espeak cmn-latn-pinyin+f2   171.4   4.01   3.78   -0.1  -0.1  +0.5  +0.8
//	Chinese     espeak cmn-latn-pinyin+m6    90.5   3.39   3.77   -0.2  -0.1  +0.4  +0.6
//	Japanese    espeak ja+f2                190.6   3.35   5.44   -1.8  -1.1  +1.3  +1.8
//	Japanese    espeak ja+m6                 99.4   3.13   5.61   -1.6  -1.0  +1.4  +1.8
//	Korean      espeak ko+f2                199.9   5.03   5.22   -2.6  -1.5  +1.8  +2.4
//	Korean      espeak ko+m6                103.0   4.12   5.27   -2.2  -1.3  +1.7  +2.2
//	Russian     espeak ru+f2                192.5   4.46   5.43   -2.0  -1.2  +1.6  +2.3
//	Russian     espeak ru+m6                102.8   3.45   5.47   -2.2  -1.5  +1.8  +2.3
//
// How close the match comes was measured by matching speech that the
// engines made at known settings back, on other texts than the
// calibration's (TestMatchReferences: flite slt at +3 semitones and rate
// 0.8, rms at -2 and 1.25, espeak-ng en-gb+m3, en-us+f4 at +1 and 1.1, and
// es-419+f2 at +2 and 0.9, about 5 s each; TestMatchReferenceFiles: three
// 3 s recordings of the same kind kept in testdata at 16 kHz). Worst case
// over repeated runs, and in brackets the bound the tests enforce:
//
//	                               MatchText           Match
//	F0 heard (median)              0.10 st  (0.3)      0.33 st  (0.5)
//	speech time heard              0.7%     (3%)       21%      (25%)
//	pitch, same voice              1.0 st   (1.5)      2.4 st   (2.75)
//	  on the 5 s references        0.25 st             0.55 st
//	rate, same voice               2.2%     (5%)       56%      (60%)
//
// "Heard" is what the matched profile measures speaking the reference's
// text (for Match, where it chose another voice than the reference's);
// "same voice" compares the settings when Match chose the reference's own
// engine voice. On espeak-ng, range and pitch trade against each other,
// and on a 3 s recording the F0 spread is uncertain (espeak-ng's pitch
// flutter moves the 10th percentile by about 3% between syntheses of the
// same text), so MatchText finds pitch +1.0 to +1.8 with range 1.1 to 1.3
// for es-419+f2 at +2 and range 1, at the same median. Without the words
// the rate is a guess: nuclei per second depend on the voice and the text
// as much as on the tempo (slt at rate 0.8 on one text counts more nuclei
// per second than at rate 1 on another), hence the narrow clamp. These
// are engine voices matched to engine voices; real recordings, with a
// human voice, noise and reverberation, will do worse.
//
// # Clone prompts
//
// A voice clone prompt carries a Profile to a client and back, so that a
// saved or extracted voice can be used without a server-side lookup. It is
// opaque to clients, bound to one account, and tamper-evident:
//
//	vcp1.<payload>.<mac>
//	payload = base64url(JSON), no padding
//	mac     = base64url(HMAC-SHA256(secret, "vcp1." + payload)), no padding
//
// The JSON holds "v" (1), "a" (the account id) and the profile: "g"
// gender, "ac" accent, "ag" age, "s" style (each left out when empty), "p"
// pitch, "r" range, "t" rate and "vo" volume. Terms are not kept.
//
// DecodePrompt accepts exactly the prompts EncodePrompt makes with the
// same secret and account: it checks the length (at most 4096 bytes) and
// the alphabet, then the MAC in constant time (hmac.Equal), and only then
// parses the payload, which must be version 1, name the same account, have
// no unknown fields and Validate. Every failure is the same
// ErrInvalidPrompt, so a forger learns nothing from trying. The version is
// in the prefix and in the payload, so a later "vcp2." can be read
// alongside, and a change of secret invalidates every prompt issued.
//
// The secret is 32 random bytes in <data dir>/voice-secret, mode 0600,
// made by LoadOrCreateSecret on first start. It is written to a temporary
// file and linked into place, so it is never seen half-written and two
// processes starting together agree on one; an existing file of another
// size is an error, never replaced. Back it up with the database: without
// it, issued prompts stop working (saved voices, stored as profiles, do
// not). Fingerprint (HMAC-SHA256 of a fixed label) identifies a secret
// without revealing it; the server keeps it in the store and refuses to
// start with another secret (see package server).
package voice
