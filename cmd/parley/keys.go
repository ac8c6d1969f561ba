package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/parley-voice/parley/plan"
	"github.com/parley-voice/parley/store"
)

func keys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("keys: want create, list or revoke")
	}
	fs := newFlagSet("keys "+args[0], stderr)
	st := storeFlags(fs)
	switch args[0] {
	case "create":
		planName := fs.String("plan", "", "plan: "+strings.Join(plan.Names(), ", "))
		name := fs.String("name", "", "a name to recognise the key by")
		if err := parse(fs, args[1:]); err != nil {
			return err
		}
		if *planName == "" {
			return fmt.Errorf("keys create: --plan is required (%s)", strings.Join(plan.Names(), ", "))
		}
		return st.with(ctx, func(db *store.DB) error {
			secret, k, err := db.CreateKey(ctx, *name, *planName)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "created key %s (plan %s, name %q); it is shown only once:\n%s\n", k.ID, k.Plan, k.Name, secret)
			return nil
		})
	case "list":
		if err := parse(fs, args[1:]); err != nil {
			return err
		}
		return st.with(ctx, func(db *store.DB) error {
			ks, err := db.ListKeys(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tPLAN\tCREATED\tLAST USED\tSTATUS")
			for _, k := range ks {
				status := "active"
				if k.RevokedAt != nil {
					status = "revoked " + k.RevokedAt.UTC().Format(time.RFC3339)
				}
				last := "-"
				if k.LastUsedAt != nil {
					last = k.LastUsedAt.UTC().Format(time.RFC3339)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, k.Plan, k.CreatedAt.UTC().Format(time.RFC3339), last, status)
			}
			return tw.Flush()
		})
	case "revoke":
		if err := parse(fs, args[1:]); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return errors.New("keys revoke: want exactly one key ID")
		}
		return st.with(ctx, func(db *store.DB) error {
			if err := db.RevokeKey(ctx, fs.Arg(0)); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "revoked %s\n", fs.Arg(0))
			return nil
		})
	}
	return fmt.Errorf("keys: unknown subcommand %q (want create, list or revoke)", args[0])
}

// storeFlag is the --data and --store-url pair of every command that
// opens the store.
type storeFlag struct {
	dir, url *string
}

func storeFlags(fs *flag.FlagSet) storeFlag {
	return storeFlag{
		dir: fs.String("data", "./data", "data directory (the SQLite store DATA/parley.db, unless --store-url)"),
		url: fs.String("store-url", "", "store: sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DB (default sqlite:DATA/parley.db)"),
	}
}

// URL is the store's URL: --store-url, or the SQLite file in --data.
func (f storeFlag) URL() string {
	if *f.url != "" {
		return *f.url
	}
	return store.SQLiteURL(*f.dir)
}

// with runs fn on the store, closing it afterwards.
func (f storeFlag) with(ctx context.Context, fn func(*store.DB) error) error {
	db, err := store.OpenURL(ctx, f.URL())
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(db)
}
