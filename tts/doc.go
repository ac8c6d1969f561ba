// Package tts owns the path from raw text to protocol audio that every front
// end shares (the realtime socket, HTTP batch and SSE, `parley say`): for each
// segment it resolves the language (detecting it when the setting is Auto),
// normalises the text for that language, picks the engine voice of the
// voice profile for that language, and calls the engine, which emits 24 kHz
// PCM as it is produced.
package tts
