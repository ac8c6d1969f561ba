// Package pipertest decodes the audio of the test models that
// engine/piper/testdata/gen_models.py writes, so that tests anywhere (the
// engine layer, the server) can prove which phoneme ids, speaker and
// scales reached a model, from the audio a client receives.
//
// A model run speaks a header of three symbols (the speaker id, noise_scale
// and noise_w in hundredths) and then one symbol per phoneme id. Each
// symbol k is a block of round(1024 × length_scale) samples at the voice's
// rate (1.5 times as many at Parley's 24 kHz for a 16 kHz voice), a sine at
// 200 + 40 k Hz.
package pipertest
