package client_test

import (
	"context"
	"fmt"
	"log"

	"github.com/parley-voice/parley/client"
)

// Stream text as it comes (from an LLM, say), then flush, and collect the
// audio from Events into a WAV file's worth of PCM.
func ExampleDial() {
	url, stop := client.StartExampleServer() // stands in for `parley serve`
	defer stop()

	ctx := context.Background()
	c, err := client.Dial(ctx, client.Config{
		URL:      url, // e.g. "ws://localhost:8080/v1/realtime"
		APIKey:   "example-key",
		Language: "English",
	})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	for _, token := range []string{"Hello ", "from ", "Parley. ", "How are ", "you?"} {
		if err := c.SendText(ctx, token); err != nil {
			log.Fatal(err)
		}
	}
	if err := c.Flush(ctx); err != nil {
		log.Fatal(err)
	}
	var pcm []byte
	for ev := range c.Events() {
		switch e := ev.(type) {
		case *client.Audio:
			pcm = append(pcm, e.PCM...) // or play it now: start after 2-3 chunks
		case *client.Done:
			fmt.Printf("%d characters: %d ms of audio in %d chunks\n", e.Characters, e.AudioDurationMS, e.TotalChunks)
			fmt.Printf("WAV file: 44-byte header + %d bytes of PCM\n", len(pcm))
			return
		case *client.ErrorEvent:
			log.Printf("server: %s (%d)", e.Message, e.Code)
		}
	}
	log.Fatal(c.Err())
	// Output:
	// 31 characters: 310 ms of audio in 16 chunks
	// WAV file: 44-byte header + 14880 bytes of PCM
}

// Binary mode saves the base64 overhead; the PCM is the same.
func Example_binaryMode() {
	url, stop := client.StartExampleServer()
	defer stop()

	ctx := context.Background()
	c, err := client.Dial(ctx, client.Config{URL: url, APIKey: "example-key", BinaryMode: true})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	pcm, done, err := c.Speak(ctx, "Binary frames, same samples.")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d bytes, %d ms\n", len(pcm), done.AudioDurationMS)
	// Output: 13440 bytes, 280 ms
}

// When the user starts talking, Clear stops the answer at once. Audio
// already in flight still arrives until Cleared; a player drops it.
func Example_bargeIn() {
	url, stop := client.StartExampleServer()
	defer stop()

	ctx := context.Background()
	c, err := client.Dial(ctx, client.Config{URL: url, APIKey: "example-key"})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	for _, token := range []string{"This is a long answer that the user ", "will not let me finish."} {
		if err := c.SendText(ctx, token); err != nil {
			log.Fatal(err)
		}
	}
	if err := c.Flush(ctx); err != nil {
		log.Fatal(err)
	}

	cleared := false
	for ev := range c.Events() {
		switch e := ev.(type) {
		case *client.Audio:
			if !cleared {
				cleared = true // the user speaks up as playback starts
				if err := c.Clear(ctx); err != nil {
					log.Fatal(err)
				}
			}
			// Drop e.PCM: it belongs to the cancelled generation.
		case *client.Cleared:
			fmt.Printf("generation %d cleared\n", e.Generation)
			pcm, _, err := c.Speak(ctx, "Go ahead.")
			if err != nil {
				log.Fatal(err)
			}
			fmt.Printf("next answer: %d bytes\n", len(pcm))
			return
		}
	}
	log.Fatal(c.Err())
	// Output:
	// generation 1 cleared
	// next answer: 4320 bytes
}
