package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// maxConfigFile bounds the config file read: a file of every setting is a
// few kilobytes.
const maxConfigFile = 1 << 20

// loadServe fills a serveConfig from, in falling precedence, the
// environment (looked up with lookup), the command line, the config file
// that either names, and the packages' defaults: issue 15 asks that flags
// override the file and environment variables override both, so that a
// deployment's environment (a container's, a systemd unit's) has the last
// word over a command line baked into an image.
func loadServe(args []string, lookup func(string) (string, bool), stderr io.Writer) (serveConfig, error) {
	c := defaultServeConfig()
	settings := serveSettings(&c)
	fs := newFlagSet("serve", stderr)
	byFlag := map[string]*setting{}
	for _, s := range settings {
		for _, n := range append([]string{s.name()}, s.aliases...) {
			fs.Var(s.value, n, s.usage)
			byFlag[n] = s
		}
	}
	fs.Usage = func() { printServeUsage(fs.Output(), settings) }
	if err := parseArgs(fs, args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("serve: unexpected arguments %q", fs.Args())
	}
	given := map[*setting]bool{}
	fs.Visit(func(f *flag.Flag) { given[byFlag[f.Name]] = true })
	// The config file's name comes first, since the file's values rank
	// below everything else.
	conf := settingNamed(settings, "config")
	if _, err := setFromEnv(conf, lookup); err != nil {
		return c, err
	}
	var file map[*setting]fileValue
	if c.ConfigFile != "" {
		var err error
		if file, err = readConfigFile(c.ConfigFile, settings); err != nil {
			return c, err
		}
	}
	for _, s := range settings {
		if s == conf {
			continue
		}
		set, err := setFromEnv(s, lookup)
		if err != nil {
			return c, err
		}
		if fv, ok := file[s]; ok && !set && !given[s] {
			if err := s.value.Set(fv.text); err != nil {
				return c, fmt.Errorf("%s:%d: %s: %w", c.ConfigFile, fv.line, s.path(), err)
			}
		}
	}
	return c, nil
}

func settingNamed(settings []*setting, name string) *setting {
	for _, s := range settings {
		if s.name() == name {
			return s
		}
	}
	panic("no setting " + name)
}

// setFromEnv sets s from its environment (see firstEnv), and reports
// whether it found a value.
func setFromEnv(s *setting, lookup func(string) (string, bool)) (bool, error) {
	env, v, ok := firstEnv(lookup, s.ownEnv(), s.env)
	if !ok {
		return false, nil
	}
	if err := s.value.Set(v); err != nil {
		return true, fmt.Errorf("%s=%q: %w", env, v, err)
	}
	return true, nil
}

// firstEnv returns the first of the variables own and then others that is
// set. A variable of others counts only when not empty, as the code that
// used to read it had it.
func firstEnv(lookup func(string) (string, bool), own, others []string) (name, value string, ok bool) {
	for _, env := range own {
		if v, ok := lookup(env); ok {
			return env, v, true
		}
	}
	for _, env := range others {
		if v, ok := lookup(env); ok && v != "" {
			return env, v, true
		}
	}
	return "", "", false
}

// fileValue is a config file value in the form its flag takes, and the
// line it is on.
type fileValue struct {
	text string
	line int
}

// readConfigFile reads a TOML config file: top-level keys and one table
// per group, each key a setting. Unknown keys and values of the wrong type
// are errors naming the key and its line.
func readConfigFile(path string, settings []*setting) (map[*setting]fileValue, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigFile+1))
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	if len(data) > maxConfigFile {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxConfigFile)
	}
	vals, errs := parseConfig(data, settings)
	if len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = fmt.Sprintf("%s:%d: %s", path, e.line, e.msg)
			if e.col > 0 {
				msgs[i] = fmt.Sprintf("%s:%d:%d: %s", path, e.line, e.col, e.msg)
			}
		}
		return nil, errors.New(strings.Join(msgs, "\n"))
	}
	return vals, nil
}

// configError is what is wrong at a line (and column, when known) of a
// config file.
type configError struct {
	line, col int
	msg       string
}

// parseConfig decodes a config file, reporting every unknown key and value
// of the wrong type, in the order of the file.
func parseConfig(data []byte, settings []*setting) (map[*setting]fileValue, []configError) {
	var doc map[string]any
	if err := toml.Unmarshal(data, &doc); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, col := de.Position()
			return nil, []configError{{row, col, strings.TrimPrefix(de.Error(), "toml: ")}}
		}
		return nil, []configError{{1, 0, err.Error()}}
	}
	lines := keyLines(data)
	byPath := map[string]*setting{}
	for _, s := range settings {
		if !s.noFile {
			byPath[s.path()] = s
		}
	}
	vals := map[*setting]fileValue{}
	var errs []configError
	var visit func(prefix string, m map[string]any)
	visit = func(prefix string, m map[string]any) {
		for k, v := range m {
			path := k
			if prefix != "" {
				path = prefix + "." + k
			}
			if t, ok := v.(map[string]any); ok && prefix == "" && isGroup(k) {
				visit(k, t)
				continue
			}
			s, ok := byPath[path]
			if !ok {
				what := "key"
				if _, ok := v.(map[string]any); ok {
					what = "table"
				}
				errs = append(errs, configError{lines[path], 0, "unknown " + what + " " + path + hint(path, settings)})
				continue
			}
			text, err := tomlText(v, s.kind())
			if err != nil {
				errs = append(errs, configError{lines[path], 0, path + ": " + err.Error()})
				continue
			}
			vals[s] = fileValue{text, lines[path]}
		}
	}
	visit("", doc)
	slices.SortFunc(errs, func(a, b configError) int {
		if a.line != b.line {
			return a.line - b.line
		}
		return strings.Compare(a.msg, b.msg)
	})
	return vals, errs
}

func isGroup(name string) bool {
	for _, g := range groups {
		if g.name != "" && g.name == name {
			return true
		}
	}
	return false
}

// hint points at the key meant, for a flag's name or an earlier flag name
// written as a key.
func hint(path string, settings []*setting) string {
	name := strings.ReplaceAll(path, ".", "-")
	for _, s := range settings {
		if s.noFile {
			if s.name() == name {
				return fmt.Sprintf(" (--%s is not a key of the file)", name)
			}
			continue
		}
		if s.name() == name || slices.Contains(s.aliases, name) {
			return " (--" + name + " is " + keyIn(s) + ")"
		}
	}
	return ""
}

// keyIn says where a setting's key is: "vad-hangover in [agent]".
func keyIn(s *setting) string {
	if s.group == "" {
		return s.key + " at the top level"
	}
	return s.key + " in [" + s.group + "]"
}

// tomlText turns a TOML value into the text its flag takes, refusing
// values of another type than the setting's.
func tomlText(v any, k kind) (string, error) {
	switch k {
	case kindBool:
		if b, ok := v.(bool); ok {
			return strconv.FormatBool(b), nil
		}
		return "", fmt.Errorf("want true or false, not %s", tomlType(v))
	case kindInt:
		if n, ok := v.(int64); ok {
			return strconv.FormatInt(n, 10), nil
		}
		return "", fmt.Errorf("want an integer, not %s", tomlType(v))
	case kindFloat:
		switch n := v.(type) {
		case float64:
			return strconv.FormatFloat(n, 'g', -1, 64), nil
		case int64:
			return strconv.FormatInt(n, 10), nil
		}
		return "", fmt.Errorf("want a number, not %s", tomlType(v))
	case kindDuration:
		if s, ok := v.(string); ok {
			return s, nil
		}
		return "", fmt.Errorf(`want a duration as a string, such as "400ms" or "1h30m", not %s`, tomlType(v))
	case kindList:
		switch l := v.(type) {
		case string:
			return l, nil
		case []any:
			items := make([]string, len(l))
			for i, x := range l {
				s, ok := x.(string)
				if !ok {
					return "", fmt.Errorf("want an array of strings, not one holding %s", tomlType(x))
				}
				if strings.Contains(s, ",") {
					return "", fmt.Errorf("item %q holds a comma", s)
				}
				items[i] = s
			}
			return strings.Join(items, ","), nil
		}
		return "", fmt.Errorf("want an array of strings, not %s", tomlType(v))
	}
	if s, ok := v.(string); ok {
		return s, nil
	}
	return "", fmt.Errorf("want a string, not %s", tomlType(v))
}

func tomlType(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "a table"
	}
	return "a date or time"
}

// keyLines maps every key of a TOML document, dotted with its tables, to
// the line it is on. toml.Unmarshal has checked the document, which the
// parser here reads again only for positions.
func keyLines(data []byte) map[string]int {
	var newlines []int // offsets of the document's newlines
	for i, b := range data {
		if b == '\n' {
			newlines = append(newlines, i)
		}
	}
	lines := map[string]int{}
	// keyPath follows a possibly dotted key from table, recording the line
	// of each prefix not seen yet.
	keyPath := func(table []string, it unstable.Iterator) []string {
		path := slices.Clone(table)
		for it.Next() {
			k := it.Node()
			path = append(path, string(k.Data))
			dotted := strings.Join(path, ".")
			if _, ok := lines[dotted]; !ok {
				n, _ := slices.BinarySearch(newlines, int(k.Raw.Offset))
				lines[dotted] = n + 1
			}
		}
		return path
	}
	var keyValue func(table []string, n *unstable.Node)
	keyValue = func(table []string, n *unstable.Node) {
		path := keyPath(table, n.Key())
		if v := n.Value(); v.Kind == unstable.InlineTable {
			it := v.Children()
			for it.Next() {
				keyValue(path, it.Node())
			}
		}
	}
	var p unstable.Parser
	p.Reset(data)
	var table []string
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			table = keyPath(nil, e.Key())
		case unstable.KeyValue:
			keyValue(table, e)
		}
	}
	return lines
}

// printServeUsage is `parley serve -h`.
func printServeUsage(w io.Writer, settings []*setting) {
	fmt.Fprint(w, `Usage: parley serve [flags]

Every flag is also an environment variable, PARLEY_ and its name in
capitals (--max-conns is PARLEY_MAX_CONNS), and a key of the --config file:
--agent-vad-hangover is vad-hangover in the table [agent], --max-conns is
max-conns at the top. The environment wins over the command line, which
wins over the file. Earlier names of a flag, in brackets, still work.
`)
	for _, g := range groups {
		fmt.Fprintln(w)
		if g.name == "" {
			fmt.Fprintf(w, "%s:\n", capitalize(g.title))
		} else {
			fmt.Fprintf(w, "%s ([%s] in the file):\n", capitalize(g.title), g.name)
		}
		for _, s := range settings {
			if s.group != g.name {
				continue
			}
			line := "  --" + s.name()
			if t := typeName(s.kind()); t != "" {
				line += " " + t
			}
			if len(s.aliases) > 0 {
				line += " (--" + strings.Join(s.aliases, ", --") + ")"
			}
			fmt.Fprintln(w, line)
			usage := s.usage
			if d := defaultText(s); d != "" && d != "0" {
				usage += " (default " + d + ")"
			}
			for _, l := range wrapText(usage, 72) {
				fmt.Fprintln(w, "    \t"+l)
			}
		}
	}
}

func typeName(k kind) string {
	return [...]string{kindString: "string", kindDuration: "duration", kindInt: "int", kindFloat: "float",
		kindBool: "", kindList: "list"}[k]
}

// defaultText is a setting's default as documentation shows it, "" for an
// empty string, false or an empty list.
func defaultText(s *setting) string {
	if s.perMachine != "" {
		return s.perMachine
	}
	v := s.value.String()
	switch {
	case v == "" || (s.kind() == kindBool && v == "false"):
		return ""
	case s.kind() == kindString:
		return strconv.Quote(v)
	}
	return v
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// wrapText breaks s into lines of at most width bytes at spaces.
func wrapText(s string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return append(lines, line)
}
