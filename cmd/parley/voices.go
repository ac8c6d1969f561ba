package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/parley-voice/parley/store"
)

func voices(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "list" {
		return errors.New("voices: want list")
	}
	fs := newFlagSet("voices list", stderr)
	st := storeFlags(fs)
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	return st.with(ctx, func(db *store.DB) error {
		vs, err := db.ListAllVoices(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tACCOUNT\tNAME\tSOURCE\tCREATED\tDESCRIPTION")
		for _, v := range vs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", v.ID, v.AccountID, v.Name, v.Source, v.CreatedAt.UTC().Format(time.RFC3339), v.Description)
		}
		return tw.Flush()
	})
}
