package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/parley-voice/parley/models"
)

// envModelsURL is the earlier environment variable of --catalogue-url,
// still read after PARLEY_CATALOGUE_URL.
const envModelsURL = "PARLEY_MODELS_URL"

func modelsCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("models: want list, pull or rm")
	}
	sub := args[0]
	fs := newFlagSet("models "+sub, stderr)
	data := fs.String("data", "./data", "data directory")
	dir := fs.String("models", "", "models directory (default DATA/models)")
	catFile := fs.String("catalogue", "", "catalogue file to use instead of the built-in one (same format as models/catalogue.json)")
	var asJSON *bool
	var baseURL *string
	switch sub {
	case "list":
		asJSON = fs.Bool("json", false, "print JSON instead of a table")
	case "pull":
		baseURL = fs.String("catalogue-url", models.DefaultBaseURL, "where to download from: Hugging Face, or a mirror with the same paths (env PARLEY_CATALOGUE_URL or "+envModelsURL+")")
	case "rm":
	default:
		return fmt.Errorf("models: unknown subcommand %q (want list, pull or rm)", sub)
	}
	if err := parseEnv(fs, args[1:], map[string][]string{"catalogue-url": {envModelsURL}}); err != nil {
		return err
	}
	if *dir == "" {
		*dir = filepath.Join(*data, "models")
	}
	cat := models.Builtin()
	if *catFile != "" {
		f, err := os.Open(*catFile)
		if err != nil {
			return err
		}
		cat, err = models.LoadCatalogue(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", *catFile, err)
		}
	}
	switch sub {
	case "list":
		if fs.NArg() != 0 {
			return errors.New("models list: takes no arguments")
		}
		return modelsList(cat, *dir, *asJSON, stdout)
	case "pull":
		if fs.NArg() == 0 {
			return errors.New("models pull: want one or more model names (see \"parley models list\")")
		}
		return modelsPull(ctx, cat, *dir, *baseURL, fs.Args(), stdout, stderr)
	default:
		if fs.NArg() == 0 {
			return errors.New("models rm: want one or more model names")
		}
		return modelsRemove(cat, *dir, fs.Args(), stdout)
	}
}

// modelJSON is a line of `models list --json`; the field names are part of
// the CLI's interface.
type modelJSON struct {
	Name      string `json:"name"`
	Engine    string `json:"engine"`
	Language  string `json:"language"`
	Quality   string `json:"quality"`
	Speakers  int    `json:"speakers"`
	SizeBytes int64  `json:"size_bytes"`
	Licence   string `json:"licence"`
	Status    string `json:"status"`
}

func modelsList(cat *models.Catalogue, dir string, asJSON bool, stdout io.Writer) error {
	entries, err := cat.List(dir)
	if err != nil {
		return err
	}
	if asJSON {
		out := make([]modelJSON, 0, len(entries))
		for _, e := range entries {
			out = append(out, modelJSON{Name: e.Name, Engine: e.Engine, Language: e.Language, Quality: e.Quality,
				Speakers: e.Speakers, SizeBytes: e.Size(), Licence: e.Licence, Status: string(e.Status)})
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tENGINE\tLANGUAGE\tQUALITY\tSPEAKERS\tSIZE\tLICENCE\tSTATUS")
	for _, e := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", e.Name, e.Engine, dash(e.Language), dash(e.Quality),
			e.Speakers, humanBytes(e.Size()), dash(e.Licence), e.Status)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "\nmodels directory: %s\n", dir)
	return err
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func modelsPull(ctx context.Context, cat *models.Catalogue, dir, baseURL string, names []string, stdout, stderr io.Writer) error {
	bar := newProgressBar(stderr, isTerminal(stderr))
	p, err := models.NewPuller(models.Config{Dir: dir, Catalogue: cat, BaseURL: baseURL, Progress: bar.update})
	if err != nil {
		return err
	}
	defer p.Close()
	var errs []error
	for _, name := range names {
		bar.begin()
		err := p.Pull(ctx, name)
		bar.end()
		if err != nil {
			errs = append(errs, fmt.Errorf("pull %s: %w", name, err))
			if ctx.Err() != nil {
				break
			}
			continue
		}
		m, _ := cat.Lookup(name)
		fmt.Fprintf(stdout, "installed %s (%s, %s verified) in %s\n", name, humanBytes(m.Size()), digestNames(m), dir)
	}
	return errors.Join(errs...)
}

// digestNames says which digests a model's files were checked against.
func digestNames(m models.Model) string {
	md5 := false
	for _, f := range m.Files {
		md5 = md5 || f.MD5 != ""
	}
	if md5 {
		return "sha256 and md5"
	}
	return "sha256"
}

func modelsRemove(cat *models.Catalogue, dir string, names []string, stdout io.Writer) error {
	var errs []error
	for _, name := range names {
		removed, err := cat.Remove(dir, name)
		if err != nil {
			errs = append(errs, fmt.Errorf("rm %s: %w", name, err))
			continue
		}
		fmt.Fprintf(stdout, "removed %s (%s)\n", name, strings.Join(removed, ", "))
	}
	return errors.Join(errs...)
}

// humanBytes formats a size in decimal units, as Hugging Face shows them.
func humanBytes(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}

// progressBar shows a pull's progress: a bar redrawn in place on a
// terminal, a line every tenth of the way otherwise (logs, CI, pipes).
type progressBar struct {
	w     io.Writer
	tty   bool
	now   func() time.Time
	start time.Time
	// base is Done at the first report: bytes already on disk do not count
	// toward the rate.
	base   int64
	last   models.Progress
	drawn  time.Time
	tenths int64 // tenths already printed in line mode
	seen   bool
}

// redrawEvery bounds how often the terminal bar is redrawn.
const redrawEvery = 100 * time.Millisecond

func newProgressBar(w io.Writer, tty bool) *progressBar {
	return &progressBar{w: w, tty: tty, now: time.Now}
}

func (b *progressBar) begin() {
	b.start, b.seen, b.tenths, b.drawn = b.now(), false, -1, time.Time{}
}

func (b *progressBar) update(p models.Progress) {
	if !b.seen {
		b.seen, b.base = true, p.Done
	}
	b.last = p
	if b.tty {
		if now := b.now(); p.Done == p.Total || now.Sub(b.drawn) >= redrawEvery {
			b.drawn = now
			fmt.Fprintf(b.w, "\r\033[K%s", b.line(p))
		}
		return
	}
	if p.Total <= 0 {
		return
	}
	if t := p.Done * 10 / p.Total; t > b.tenths {
		b.tenths = t
		fmt.Fprintln(b.w, b.line(p))
	}
}

func (b *progressBar) end() {
	if b.tty && b.seen {
		fmt.Fprintln(b.w)
	}
}

func (b *progressBar) line(p models.Progress) string {
	pct := 100.0
	if p.Total > 0 {
		pct = float64(p.Done) * 100 / float64(p.Total)
	}
	rate := ""
	if el := b.now().Sub(b.start).Seconds(); el > 0 && p.Done > b.base {
		rate = "  " + humanBytes(int64(float64(p.Done-b.base)/el)) + "/s"
	}
	if !b.tty {
		return fmt.Sprintf("%s: %3.0f%% (%s of %s)%s", p.Model, pct, humanBytes(p.Done), humanBytes(p.Total), rate)
	}
	const width = 30
	filled := int(pct / 100 * width)
	return fmt.Sprintf("%s [%s%s] %3.0f%%  %s / %s%s", p.Model, strings.Repeat("=", filled), strings.Repeat(" ", width-filled),
		pct, humanBytes(p.Done), humanBytes(p.Total), rate)
}
