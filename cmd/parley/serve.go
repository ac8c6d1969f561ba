package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/parley-voice/parley/server"
)

func serve(ctx context.Context, args []string, stderr io.Writer) error {
	c, err := loadServe(args, os.LookupEnv, stderr)
	if err != nil {
		return err
	}
	cfg := c.Server
	if cfg.Engine.ModelsDir == "" {
		cfg.Engine.ModelsDir = filepath.Join(cfg.DataDir, "models")
	}
	if cfg.Logger, err = newLogger(stderr, c.LogFormat, c.LogLevel); err != nil {
		return err
	}
	srv, err := server.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer srv.Close()
	return srv.ListenAndServe(ctx)
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format must be json or text, not %q", format)
}
