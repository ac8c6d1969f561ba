package main

import (
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-voice/parley/agent"
	"github.com/parley-voice/parley/agent/llm"
	"github.com/parley-voice/parley/agent/vad"
	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/httpapi"
	"github.com/parley-voice/parley/jobs"
	"github.com/parley-voice/parley/limits"
	"github.com/parley-voice/parley/realtime"
	"github.com/parley-voice/parley/server"
)

// envMap is an environment for loadServe.
func envMap(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// load runs loadServe with a config file holding file (none if empty) and
// the environment env.
func load(t *testing.T, file string, env map[string]string, args ...string) (serveConfig, error) {
	t.Helper()
	if file != "" {
		path := filepath.Join(t.TempDir(), "parley.toml")
		if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append([]string{"--config", path}, args...)
	}
	return loadServe(args, envMap(env), io.Discard)
}

// TestSettingsDefaultsArePackages: with nothing given, serve runs each
// package's DefaultConfig, and every flag shows those values.
func TestSettingsDefaultsArePackages(t *testing.T) {
	c, err := load(t, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := server.DefaultConfig()
	got := c.Server
	// Functions compare equal only when nil.
	got.Jobs.Backoff, got.Jobs.Now, want.Jobs.Backoff, want.Jobs.Now = nil, nil, nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("serve's configuration with no settings:\n%+v\nwant server.DefaultConfig():\n%+v", got, want)
	}
	for _, check := range []struct {
		what      string
		got, want any
	}{
		{"realtime", c.Server.Realtime, realtime.DefaultConfig()},
		{"limits", c.Server.Limits, limits.DefaultConfig()},
		{"http", c.Server.HTTP, httpapi.DefaultConfig()},
		{"engine", c.Server.Engine, engine.DefaultConfig()},
		{"agent", c.Server.Agent.Config, agent.DefaultConfig()},
		{"vad", c.Server.Agent.VAD, vad.DefaultConfig()},
		{"job workers", c.Server.Jobs.Workers, jobs.DefaultConfig().Workers},
		{"job retention", c.Server.Jobs.Retention, jobs.DefaultConfig().Retention},
	} {
		if !reflect.DeepEqual(check.got, check.want) {
			t.Errorf("%s: %+v, want the package's DefaultConfig %+v", check.what, check.got, check.want)
		}
	}
	if c.Server.Engine.EspeakProcesses != runtime.GOMAXPROCS(0) || !c.Server.Engine.EspeakIsolated {
		t.Errorf("espeak-ng: %d processes, isolated %v; want one per CPU, isolated", c.Server.Engine.EspeakProcesses, c.Server.Engine.EspeakIsolated)
	}
}

// TestSettingsPrecedence: for a setting of each kind, the environment
// wins over the command line, which wins over the file, which wins over
// the default (issue 15: "flags override the file, environment variables
// override both").
func TestSettingsPrecedence(t *testing.T) {
	tests := []struct {
		flag      string // the setting's flag, its key in the file is derived
		file      string // a TOML value
		env, arg  string
		get       func(serveConfig) any
		def       any // the default
		fromFile  any // the value file gives
		fromEnv   any
		fromFlags any
	}{
		{
			flag: "agent-vad-hangover", file: `"1s"`, env: "2s", arg: "3s",
			get: func(c serveConfig) any { return c.Server.Agent.VAD.Hangover },
			def: vad.DefaultHangover, fromFile: time.Second, fromEnv: 2 * time.Second, fromFlags: 3 * time.Second,
		},
		{
			flag: "max-conns", file: `7`, env: "8", arg: "9",
			get: func(c serveConfig) any { return c.Server.Limits.MaxConns },
			def: limits.DefaultConfig().MaxConns, fromFile: 7, fromEnv: 8, fromFlags: 9,
		},
		{
			flag: "http-max-body-bytes", file: `1024`, env: "2048", arg: "4096",
			get: func(c serveConfig) any { return c.Server.HTTP.MaxBodyBytes },
			def: httpapi.DefaultConfig().MaxBodyBytes, fromFile: int64(1024), fromEnv: int64(2048), fromFlags: int64(4096),
		},
		{
			flag: "agent-vad-threshold", file: `0.6`, env: "0.7", arg: "0.8",
			get: func(c serveConfig) any { return c.Server.Agent.VAD.Threshold },
			def: vad.DefaultThreshold, fromFile: 0.6, fromEnv: 0.7, fromFlags: 0.8,
		},
		{
			flag: "job-webhooks-allow-private", file: `true`, env: "false", arg: "true",
			get: func(c serveConfig) any { return c.Server.Jobs.AllowPrivateWebhooks },
			def: false, fromFile: true, fromEnv: false, fromFlags: true,
		},
		{
			// A flag that turns off what the configuration turns on.
			flag: "engine-espeak-in-process", file: `true`, env: "false", arg: "true",
			get: func(c serveConfig) any { return c.Server.Engine.EspeakIsolated },
			def: true, fromFile: false, fromEnv: true, fromFlags: false,
		},
		{
			flag: "http-cors-origins", file: `["https://a.example", "https://b.example"]`, env: "https://c.example", arg: "",
			get: func(c serveConfig) any { return c.Server.HTTP.CORSOrigins },
			def: []string{"*"}, fromFile: []string{"https://a.example", "https://b.example"}, fromEnv: []string{"https://c.example"}, fromFlags: []string{},
		},
		{
			flag: "trusted-proxies", file: `"10.0.0.0/8"`, env: "192.168.1.1", arg: "127.0.0.1/32,::1",
			get:       func(c serveConfig) any { return c.Server.TrustedProxies },
			def:       []netip.Prefix(nil),
			fromFile:  []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
			fromEnv:   []netip.Prefix{netip.MustParsePrefix("192.168.1.1/32")},
			fromFlags: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")},
		},
		{
			flag: "agent-llm-model", file: `"llama3.2"`, env: "qwen2.5", arg: "mistral",
			get: func(c serveConfig) any { return c.Server.Agent.LLMModel },
			def: llm.DefaultModel, fromFile: "llama3.2", fromEnv: "qwen2.5", fromFlags: "mistral",
		},
		{
			flag: "log-format", file: `"text"`, env: "json", arg: "text",
			get: func(c serveConfig) any { return c.LogFormat },
			def: "json", fromFile: "text", fromEnv: "json", fromFlags: "text",
		},
	}
	for _, tt := range tests {
		t.Run(tt.flag, func(t *testing.T) {
			c := defaultServeConfig()
			s := settingNamed(serveSettings(&c), tt.flag)
			file := s.key + " = " + tt.file + "\n"
			if s.group != "" {
				file = "[" + s.group + "]\n" + file
			}
			env := map[string]string{envName(tt.flag): tt.env}
			for _, step := range []struct {
				name string
				file string
				env  map[string]string
				args []string
				want any
			}{
				{"default", "", nil, nil, tt.def},
				{"file", file, nil, nil, tt.fromFile},
				{"environment over file", file, env, nil, tt.fromEnv},
				{"flag over file", file, nil, []string{"--" + tt.flag + "=" + tt.arg}, tt.fromFlags},
				{"environment over flag and file", file, env, []string{"--" + tt.flag + "=" + tt.arg}, tt.fromEnv},
				{"flag over the default", "", nil, []string{"--" + tt.flag + "=" + tt.arg}, tt.fromFlags},
			} {
				c, err := load(t, step.file, step.env, step.args...)
				if err != nil {
					t.Fatalf("%s: %v", step.name, err)
				}
				if got := tt.get(c); !reflect.DeepEqual(got, step.want) {
					t.Errorf("%s: %#v, want %#v", step.name, got, step.want)
				}
			}
		})
	}
}

// TestSettingsAliases: the flags and environment variables of before the
// groups, and the variables other tools use, set the same fields; the
// new names win over the old.
func TestSettingsAliases(t *testing.T) {
	c, err := load(t, "", map[string]string{
		"PARLEY_VAD_HANGOVER": "1s",
		"PARLEY_LLM_MODEL":    "llama3.2",
		"OPENAI_BASE_URL":     "http://localhost:11434/v1",
		"OPENAI_API_KEY":      "sk-test",
		"PARLEY_STT_URL":      "http://whisper:9000/v1",
		"PARLEY_STT_API_KEY":  "local",
		"PARLEY_STT_MODEL":    "whisper-large-v3",
		"PARLEY_VAD_MODEL":    "/opt/parley/silero_vad_v5.onnx",
		"PARLEY_ORT_LIB":      "/opt/parley/libonnxruntime.so.1",
		"PARLEY_NO_FLITE":     "true",
		// Both names: the new one wins.
		"PARLEY_ENGINE_FLITE_WORKERS": "3",
		"PARLEY_FLITE_WORKERS":        "4",
		"PARLEY_AGENT_STT":            "openai",
		"PARLEY_STT":                  "pocketsphinx",
	}, "--espeak-workers", "0", "--espeak-in-process", "--no-espeak", "--cors-origins", "", "--llm", "openai")
	if err != nil {
		t.Fatal(err)
	}
	a, e := c.Server.Agent, c.Server.Engine
	for _, check := range []struct {
		what      string
		got, want any
	}{
		{"PARLEY_VAD_HANGOVER", a.VAD.Hangover, time.Second},
		{"PARLEY_LLM_MODEL", a.LLMModel, "llama3.2"},
		{"OPENAI_BASE_URL", a.LLMURL, "http://localhost:11434/v1"},
		{"OPENAI_API_KEY", a.LLMKey, "sk-test"},
		{"PARLEY_STT_URL", a.STTURL, "http://whisper:9000/v1"},
		{"PARLEY_STT_API_KEY", a.STTKey, "local"},
		{"PARLEY_STT_MODEL", a.STTModel, "whisper-large-v3"},
		{"PARLEY_VAD_MODEL", a.VAD.ModelPath, "/opt/parley/silero_vad_v5.onnx"},
		{"PARLEY_ORT_LIB", e.ORTLibrary, "/opt/parley/libonnxruntime.so.1"},
		{"PARLEY_NO_FLITE", e.DisableFlite, true},
		{"PARLEY_ENGINE_FLITE_WORKERS over PARLEY_FLITE_WORKERS", e.FliteConcurrency, 3},
		{"PARLEY_AGENT_STT over PARLEY_STT", a.STT, "openai"},
		{"--espeak-workers", e.EspeakProcesses, 0},
		{"--espeak-in-process", e.EspeakIsolated, false},
		{"--no-espeak", e.DisableEspeak, true},
		{"--cors-origins", c.Server.HTTP.CORSOrigins, []string{}},
		{"--llm", a.LLM, "openai"},
	} {
		if !reflect.DeepEqual(check.got, check.want) {
			t.Errorf("%s: %#v, want %#v", check.what, check.got, check.want)
		}
	}
	// Set but empty, a variable of another tool is unset, as it always
	// was: OPENAI_BASE_URL= must not turn the agent's LLM on.
	c, err = load(t, "", map[string]string{"PARLEY_AGENT_LLM_URL": "", "OPENAI_BASE_URL": "http://x/v1", "OPENAI_API_KEY": ""})
	if err != nil {
		t.Fatal(err)
	}
	if c.Server.Agent.LLMURL != "" || c.Server.Agent.LLMKey != "" {
		t.Errorf("PARLEY_AGENT_LLM_URL= OPENAI_API_KEY=: url %q, key %q; want both empty", c.Server.Agent.LLMURL, c.Server.Agent.LLMKey)
	}
}

// TestConfigFileErrors: what is wrong in a config file is an error naming
// the file, the line and the key, and what was meant where that is clear.
func TestConfigFileErrors(t *testing.T) {
	tests := []struct {
		name, file string
		want       []string // regular expressions, one per line of the error
	}{
		{"unknown key", "addr = \":0\"\n\n[agent]\nvad-hangovr = \"1s\"\n",
			[]string{`parley\.toml:4: unknown key agent\.vad-hangovr$`}},
		{"unknown table", "[agnet]\nllm = \"offline\"\n",
			[]string{`parley\.toml:1: unknown table agnet$`}},
		{"an old flag name as a key", "vad-hangover = \"1s\"\n",
			[]string{`parley\.toml:1: unknown key vad-hangover \(--vad-hangover is vad-hangover in \[agent\]\)$`}},
		{"a flag name as a key", "agent-llm = \"offline\"\n",
			[]string{`parley\.toml:1: unknown key agent-llm \(--agent-llm is llm in \[agent\]\)$`}},
		{"dotted key", "agent.vad-hangovr = \"1s\"\n",
			[]string{`parley\.toml:1: unknown key agent\.vad-hangovr$`}},
		{"inline table", "agent = { llm = \"offline\", sst = \"openai\" }\n",
			[]string{`parley\.toml:1: unknown key agent\.sst$`}},
		{"the config key", "config = \"other.toml\"\n",
			[]string{`parley\.toml:1: unknown key config \(--config is not a key of the file\)$`}},
		{"nested table", "[agent.vad]\nhangover = \"1s\"\n",
			[]string{`parley\.toml:1: unknown table agent\.vad$`}},
		{"array of tables", "[[engine]]\nflite-workers = 1\n",
			[]string{`parley\.toml:1: unknown key engine$`}},
		{"several", "max-conns = 1\nmax-con = 2\n[log]\nformat = 1\nlevels = \"info\"\n",
			[]string{`parley\.toml:2: unknown key max-con$`, `parley\.toml:4: log\.format: want a string, not an integer$`,
				`parley\.toml:5: unknown key log\.levels$`}},
		{"duration as a number", "config-timeout = 5\n",
			[]string{`parley\.toml:1: config-timeout: want a duration as a string, such as "400ms" or "1h30m", not an integer$`}},
		{"bad duration", "\n\nconfig-timeout = \"5 seconds\"\n",
			[]string{`parley\.toml:3: config-timeout: time: unknown unit " seconds" in duration "5 seconds"$`}},
		{"integer as a string", "max-conns = \"5\"\n",
			[]string{`parley\.toml:1: max-conns: want an integer, not a string$`}},
		{"bool as a string", "rotate-voice-secret = \"yes\"\n",
			[]string{`parley\.toml:1: rotate-voice-secret: want true or false, not a string$`}},
		{"list of numbers", "trusted-proxies = [10]\n",
			[]string{`parley\.toml:1: trusted-proxies: want an array of strings, not one holding an integer$`}},
		{"bad proxy", "trusted-proxies = [\"10.0.0.0/8\", \"nginx\"]\n",
			[]string{`parley\.toml:1: trusted-proxies: .*not an IP address or CIDR: "nginx"$`}},
		{"integer too large", "[engine]\nflite-workers = 99999999999999999999\n",
			[]string{`parley\.toml:2:17: .*`}},
		{"TOML syntax", "addr = \":0\"\n[agent\n",
			[]string{`parley\.toml:2:\d+: .*`}},
		{"duplicate key", "addr = \":0\"\naddr = \":1\"\n",
			[]string{`parley\.toml:2:\d+: .*`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.file, nil)
			if err == nil {
				t.Fatalf("%q loaded", tt.file)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tt.want) {
				t.Fatalf("error:\n%v\nwant %d lines", err, len(tt.want))
			}
			for i, l := range lines {
				if !regexp.MustCompile(tt.want[i]).MatchString(l) {
					t.Errorf("line %d of the error: %q, want %q", i+1, l, tt.want[i])
				}
			}
		})
	}
	if _, err := load(t, "", map[string]string{"PARLEY_CONFIG": filepath.Join(t.TempDir(), "none.toml")}); err == nil || !strings.Contains(err.Error(), "none.toml") {
		t.Errorf("a missing config file from PARLEY_CONFIG: %v, want an error naming it", err)
	}
	if _, err := load(t, "", map[string]string{"PARLEY_MAX_CONNS": "many"}); err == nil || err.Error() != `PARLEY_MAX_CONNS="many": parse error` {
		t.Errorf("PARLEY_MAX_CONNS=many: %v", err)
	}
	if _, err := load(t, "", nil, "--max-conns", "1", "extra"); err == nil {
		t.Error("serve took a positional argument")
	}
}

// TestConfigFileForms: the TOML forms of the same settings load alike, and
// the file's name can come from the environment.
func TestConfigFileForms(t *testing.T) {
	want, err := load(t, "[agent]\nllm = \"offline\"\nvad-hangover = \"1s\"\n[http]\ncors-origins = \"https://a.example, https://b.example\"\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{
		"agent.llm = \"offline\"\nagent.vad-hangover = \"1s\"\nhttp.cors-origins = [\"https://a.example\", \"https://b.example\"]\n",
		"agent = { llm = \"offline\", vad-hangover = \"1s\" }\nhttp = { cors-origins = [\"https://a.example\", \"https://b.example\"] }\n",
	} {
		got, err := load(t, file, nil)
		if err != nil {
			t.Fatalf("%q: %v", file, err)
		}
		if !reflect.DeepEqual(got.Server.Agent, want.Server.Agent) || !slices.Equal(got.Server.HTTP.CORSOrigins, want.Server.HTTP.CORSOrigins) {
			t.Errorf("%q: agent %+v, origins %q; want %+v, %q", file, got.Server.Agent, got.Server.HTTP.CORSOrigins, want.Server.Agent, want.Server.HTTP.CORSOrigins)
		}
	}
	path := filepath.Join(t.TempDir(), "p.toml")
	if err := os.WriteFile(path, []byte("max-conns = 3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := load(t, "", map[string]string{"PARLEY_CONFIG": path})
	if err != nil || c.Server.Limits.MaxConns != 3 {
		t.Errorf("PARLEY_CONFIG: max-conns %d, %v; want 3", c.Server.Limits.MaxConns, err)
	}
}

// TestServeUsage: -h lists every flag with its aliases, grouped.
func TestServeUsage(t *testing.T) {
	_, usage, err := runCmd(t, "", "serve", "-h")
	if err == nil {
		t.Fatal("serve -h did not return flag.ErrHelp")
	}
	c := defaultServeConfig()
	for _, s := range serveSettings(&c) {
		if !strings.Contains(usage, "\n  --"+s.name()+" ") && !strings.Contains(usage, "\n  --"+s.name()+"\n") {
			t.Errorf("serve -h does not list --%s", s.name())
		}
		for _, a := range s.aliases {
			if !strings.Contains(usage, "--"+a+")") && !strings.Contains(usage, "--"+a+",") {
				t.Errorf("serve -h does not list --%s's alias --%s", s.name(), a)
			}
		}
	}
	for _, g := range groups[1:] {
		if !strings.Contains(usage, "(["+g.name+"] in the file):") {
			t.Errorf("serve -h has no group [%s]", g.name)
		}
	}
}

// FuzzConfigFile: no file makes the loader panic.
func FuzzConfigFile(f *testing.F) {
	c := defaultServeConfig()
	settings := serveSettings(&c)
	f.Add(renderExample(settings))
	f.Add("[agent]\nvad-hangover = \"1s\"\nllm = { x = 1 }\n")
	f.Add("agent = { llm = \"offline\", nested = { a = [1, [2]] } }\n")
	f.Add("[[engine]]\n[engine.x.y]\n'quoted.key' = 1\n")
	f.Fuzz(func(t *testing.T, file string) {
		c := defaultServeConfig()
		vals, errs := parseConfig([]byte(file), serveSettings(&c))
		for _, e := range errs {
			if e.line < 1 {
				t.Errorf("error without a line: %+v", e)
			}
		}
		for s, v := range vals {
			if v.line < 1 {
				t.Errorf("%s without a line", s.path())
			}
		}
	})
}
