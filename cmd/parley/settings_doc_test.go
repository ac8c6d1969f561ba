package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

// repoRoot is the repository from the package's directory, where tests
// run.
const repoRoot = "../../"

var update = flag.Bool("update", false, "rewrite the settings table in README.md and deploy/parley.toml")

// The README's generated block lies between these lines.
const (
	docBegin = "<!-- settings table: generated from cmd/parley/settings.go by `go test ./cmd/parley -run TestSettingsDocs -update` -->"
	docEnd   = "<!-- end of the settings table -->"
)

// TestSettingsDocs keeps the README's table of serve settings and the
// example config file identical to the settings in the code, so that the
// documentation cannot drift from the flags.
func TestSettingsDocs(t *testing.T) {
	c := defaultServeConfig()
	settings := serveSettings(&c)
	b, err := os.ReadFile(repoRoot + "README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	begin, end := strings.Index(readme, docBegin), strings.Index(readme, docEnd)
	if begin < 0 || end < begin {
		t.Fatalf("README.md has no block between %q and %q", docBegin, docEnd)
	}
	wantReadme := readme[:begin] + docBegin + "\n" + renderTable(settings) + docEnd + readme[end+len(docEnd):]
	wantExample := renderExample(settings)
	example, err := os.ReadFile(repoRoot + "deploy/parley.toml")
	if err != nil && !*update {
		t.Fatal(err)
	}
	for _, f := range []struct{ path, got, want string }{
		{"README.md", readme, wantReadme},
		{"deploy/parley.toml", string(example), wantExample},
	} {
		if f.got == f.want {
			continue
		}
		if *update {
			if err := os.WriteFile(repoRoot+f.path, []byte(f.want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		t.Errorf("%s is out of date with cmd/parley/settings.go; run go test ./cmd/parley -run TestSettingsDocs -update", f.path)
	}
}

// TestExampleConfig: the example file, with every key whose default does
// not depend on the machine uncommented, is a valid config that sets every
// such setting to its default.
func TestExampleConfig(t *testing.T) {
	c := defaultServeConfig()
	settings := serveSettings(&c)
	var uncommented bytes.Buffer
	for _, l := range strings.Split(renderExample(settings), "\n") {
		if strings.HasPrefix(l, "#") && !strings.HasPrefix(l, "# ") && !strings.HasSuffix(l, "=") {
			l = l[1:]
		}
		uncommented.WriteString(l + "\n")
	}
	vals, errs := parseConfig(uncommented.Bytes(), settings)
	if len(errs) > 0 {
		t.Fatalf("example, uncommented: %v\n%s", errs, uncommented.String())
	}
	for _, s := range settings {
		fv, ok := vals[s]
		switch {
		case s.noFile || s.perMachine != "":
			if ok {
				t.Errorf("%s is set in the example", s.path())
			}
		case !ok:
			t.Errorf("%s is missing from the example", s.path())
		default:
			before := s.value.String()
			if err := s.value.Set(fv.text); err != nil {
				t.Errorf("%s = %q: %v", s.path(), fv.text, err)
			} else if after := s.value.String(); after != before {
				t.Errorf("%s: the example gives %q, the default is %q", s.path(), after, before)
			}
		}
	}
}

// renderTable is the README's table of serve settings: one table per
// group.
func renderTable(settings []*setting) string {
	var b strings.Builder
	for _, g := range groups {
		where := "top level of the config file"
		if g.name != "" {
			where = fmt.Sprintf("`[%s]` in the config file, flags `--%s-…`", g.name, g.name)
		}
		fmt.Fprintf(&b, "\n%s (%s):\n\n", capitalize(g.title), where)
		b.WriteString("| flag | environment | default | meaning |\n|---|---|---|---|\n")
		for _, s := range settings {
			if s.group != g.name {
				continue
			}
			flagCell := "`--" + s.name() + "`"
			if len(s.aliases) > 0 {
				flagCell += " (alias `--" + strings.Join(s.aliases, "`, `--") + "`)"
			}
			def := s.perMachine
			if def == "" {
				if v := docDefault(s); v != "" {
					def = "`" + v + "`"
				}
			}
			fmt.Fprintf(&b, "| %s | `%s` | %s | %s |\n", flagCell, strings.Join(s.envNames(), "`, `"), def, cell(s.usage))
		}
	}
	b.WriteString("\n")
	return b.String()
}

// docDefault is the default as the README shows it: like -h, without
// quotes.
func docDefault(s *setting) string {
	v := s.value.String()
	if s.kind() == kindBool && v == "false" {
		return ""
	}
	return v
}

func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// renderExample is deploy/parley.toml: every key, commented out, at its
// default.
func renderExample(settings []*setting) string {
	var b strings.Builder
	b.WriteString(`# Settings of parley serve, each at its default. Uncomment and change what
# you need, then run: parley serve --config parley.toml (or set
# PARLEY_CONFIG=parley.toml). An environment variable wins over its flag
# on the command line, which wins over this file; an unknown key is an
# error. The README's "parley serve settings" has the same table.
#
# Generated from cmd/parley/settings.go by
#   go test ./cmd/parley -run TestSettingsDocs -update
# so edit the settings there, not here.
`)
	for _, g := range groups {
		if g.name != "" {
			fmt.Fprintf(&b, "\n[%s] # %s\n", g.name, g.title)
		}
		for _, s := range settings {
			if s.group != g.name || s.noFile {
				continue
			}
			b.WriteString("\n")
			for _, l := range wrapText(s.usage, 76) {
				b.WriteString("# " + l + "\n")
			}
			names := "Flag --" + s.name()
			for _, a := range s.aliases {
				names += " (or --" + a + ")"
			}
			names += "; environment " + strings.Join(s.envNames(), ", ")
			if s.perMachine != "" {
				names += "; default: " + s.perMachine
			}
			for _, l := range wrapText(names+".", 76) {
				b.WriteString("# " + l + "\n")
			}
			if s.perMachine != "" {
				fmt.Fprintf(&b, "#%s =\n", s.key)
				continue
			}
			fmt.Fprintf(&b, "#%s = %s\n", s.key, tomlValue(s))
		}
	}
	return b.String()
}

// tomlValue is a setting's value as TOML.
func tomlValue(s *setting) string {
	v := s.value.String()
	switch s.kind() {
	case kindInt, kindFloat, kindBool:
		return v
	case kindList:
		items := splitList(v)
		for i, it := range items {
			items[i] = tomlString(it)
		}
		return "[" + strings.Join(items, ", ") + "]"
	}
	return tomlString(v)
}

func tomlString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
