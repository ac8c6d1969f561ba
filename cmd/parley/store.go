package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"text/tabwriter"

	"github.com/parley-voice/parley/server"
	"github.com/parley-voice/parley/store"
	"github.com/parley-voice/parley/voice"
)

// storeCmd runs `parley store migrate`.
func storeCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "migrate" {
		return errors.New("store: want migrate")
	}
	fs := newFlagSet("store migrate", stderr)
	from := fs.String("from", "", "the store to copy: sqlite:PATH (e.g. sqlite:./data/parley.db) or postgres://...")
	to := fs.String("to", "", "the store to copy into, empty: postgres://... or sqlite:PATH")
	replace := fs.Bool("replace", false, "copy into a store that already holds data, deleting that data first")
	secretFile := fs.String("secret", "", "the server secret to bring along (default: voice-secret beside a SQLite source; none for a PostgreSQL source, which holds it)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *from == "" || *to == "" {
		return errors.New("store migrate: --from and --to are required")
	}
	if *from == *to {
		return errors.New("store migrate: --from and --to name the same store")
	}
	src, err := store.OpenURL(ctx, *from)
	if err != nil {
		return fmt.Errorf("store migrate: opening --from: %w", err)
	}
	defer src.Close()
	secret, err := sourceSecret(ctx, src, *from, *secretFile)
	if err != nil {
		return fmt.Errorf("store migrate: %w", err)
	}
	dst, err := store.OpenURL(ctx, *to)
	if err != nil {
		return fmt.Errorf("store migrate: opening --to: %w", err)
	}
	defer dst.Close()
	opt := store.CopyOptions{Replace: *replace}
	if secret != nil && dst.Shared() {
		opt.Settings = map[string][]byte{server.SecretSetting: secret}
	}
	rep, err := store.Copy(ctx, src, dst, opt)
	if errors.Is(err, store.ErrNotEmpty) {
		return fmt.Errorf("store migrate: %w; nothing was copied (--replace deletes its data first)", err)
	}
	if err != nil {
		return fmt.Errorf("store migrate: %w; nothing was copied", err)
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tSOURCE ROWS\tCOPIED\tVERIFIED")
	var total int64
	for _, t := range rep.Tables {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\n", t.Name, t.SourceRows, t.CopiedRows, t.VerifiedRows)
		total += t.VerifiedRows
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "copied and verified %d rows (each compared by SHA-256 with the source)\n", total)
	if opt.Settings != nil {
		fmt.Fprintln(stdout, "the server secret is in the target store now: its nodes sign and check clone prompts and webhooks as before")
	}
	return nil
}

// sourceSecret is the server secret that signed the source's data: the
// file given, or the voice-secret beside a SQLite source. It must match the
// fingerprint the source recorded, so that a wrong file is refused rather
// than copied. A source with nothing signed and no file has none.
func sourceSecret(ctx context.Context, src *store.DB, fromURL, file string) ([]byte, error) {
	if src.Shared() && file == "" {
		return nil, nil // a PostgreSQL source holds its secret, and Copy brings it
	}
	dir := filepath.Dir(file)
	if file == "" {
		_, path, _ := store.ParseURL(fromURL)
		dir = filepath.Dir(path)
	} else if filepath.Base(file) != voice.SecretFile {
		return nil, fmt.Errorf("--secret must name a file called %s", voice.SecretFile)
	}
	secret, err := voice.ReadSecret(dir)
	if errors.Is(err, fs.ErrNotExist) {
		signed, herr := src.HoldsSignedData(ctx)
		if herr != nil {
			return nil, herr
		}
		if signed {
			return nil, fmt.Errorf("%s is missing, but the source holds voices, jobs or used keys signed with it: name it with --secret", filepath.Join(dir, voice.SecretFile))
		}
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if ok, err := server.SecretMatches(ctx, src, secret); err != nil {
		return nil, err
	} else if !ok {
		return nil, fmt.Errorf("%s is not the secret that signed the source's data (its fingerprint differs)", filepath.Join(dir, voice.SecretFile))
	}
	return secret, nil
}
