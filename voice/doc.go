// Package voice owns voice design: it turns a free-text voice description
// ("a warm, deep male voice, speaking slowly") into an engine-neutral
// Profile, and a Profile into the concrete engine voice that speaks each
// language. This is parameter matching over a fixed, documented word table,
// not a neural voice model: the same description always gives the same
// voice, and the words below are all it understands.
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
// Finally pitch is clamped to ±8 semitones, range to 0–2, rate to 0.6–1.8
// and volume to 0.3–1.6, and each is rounded to two decimals. Profile.Terms
// lists what was understood, each word with its modifiers.
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
package voice
