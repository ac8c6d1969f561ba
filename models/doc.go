// Package models owns the neural voice files Parley can install: the
// catalogue of Piper and Kokoro voices with a pinned size and digest for
// every file, the discovery of what is installed in a models directory, and
// the download (Pull) and removal (Remove) of catalogue models. It is pure
// Go and knows nothing of the engines that load the files; the directory
// layout below is the contract between the two.
//
// # Layout of the models directory
//
//	NAME.onnx, NAME.onnx.json   a Piper voice, exactly as published in
//	                            rhasspy/piper-voices
//	kokoro/model.onnx           Kokoro-82M (fp32 for "kokoro", q8f16 for
//	                            "kokoro-q8": one replaces the other)
//	kokoro/config.json          hexgrad/Kokoro-82M's config, with the vocab
//	kokoro/voices/VOICE.bin     one style file per Kokoro voice
//
// A catalogue model counts as installed when every one of its files is
// there with its pinned size (List does not hash: Pull does). A Piper pair
// the catalogue does not list is reported as a local model, so a voice a
// user trained or copied in shows up too.
//
// # Downloads
//
// Pull fetches each file to PATH.part beside its target, resuming with an
// HTTP Range request from the part's length; a server that answers 200
// instead of 206 gets the file again from the start. Once the size is
// reached the part is hashed; on a match it is synced and renamed into
// place atomically, on a mismatch it is deleted and Pull returns a
// *DigestError naming the file and both digests. A model's config comes
// before its weights, so a .onnx on disk always has its config beside it.
// Connecting and waiting for headers have timeouts; a body has none in
// total, only a stall timeout, so a 325 MB model on a slow line completes.
// Transient failures (a cut connection, a stall, 5xx, 429) are retried from
// the .part a few times; a cut download that gives up keeps its .part, and
// the next Pull resumes it. A .part is locked (flock) while it is written, so
// a second Pull of the same file fails with ErrBusy instead of corrupting it.
//
// # Where the pins come from
//
// Files are fetched from Hugging Face at a fixed commit of each repository
// (rhasspy/piper-voices 1162a917, onnx-community/Kokoro-82M-v1.0-ONNX
// 1939ad2a, hexgrad/Kokoro-82M f3ff3571), so the bytes behind a pin cannot
// change. Every SHA-256 in catalogue.json was taken from public sources:
// Git LFS pointers in a GitHub mirror of piper-voices (whose "oid sha256"
// is the file's digest) and projects that pin the same files, most of them
// at least twice independently; SOURCES.md lists them per file. No digest
// was computed here or guessed. One file has no published SHA-256: the
// config of en_US-l2arctic-medium, for which Pull checks the MD5 and size
// from piper-voices' own voices.json instead.
package models
