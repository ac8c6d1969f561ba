package server

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/parley-voice/parley/agent"
	"github.com/parley-voice/parley/agent/llm"
	sttopenai "github.com/parley-voice/parley/agent/stt/openai"
	"github.com/parley-voice/parley/agent/stt/pocketsphinx"
)

// AgentConfig configures the voice agent (/agent and /v1/agent).
type AgentConfig struct {
	agent.Config
	// LLM is "auto" (OpenAI-compatible when OPENAI_API_KEY or
	// OPENAI_BASE_URL is set, else the offline responder), "openai" or
	// "offline".
	LLM string
	// LLMModel overrides PARLEY_LLM_MODEL.
	LLMModel string
	// STT is "pocketsphinx" (default, offline) or "openai" (an
	// OpenAI-compatible /audio/transcriptions server; see package
	// agent/stt/openai for its environment variables).
	STT string
	// WarmDecoders are pocketsphinx decoders loaded at start-up (each
	// takes about half a second and 90 MB), so that the first turn does
	// not wait for one.
	WarmDecoders int
}

// agentDeps builds the agent's STT and LLM from cfg and the environment.
func agentDeps(cfg AgentConfig, getenv func(string) string) (agent.STT, llm.Model, func(), error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	var model llm.Model
	switch cfg.LLM {
	case "", "auto":
		if getenv(llm.EnvAPIKey) == "" && getenv(llm.EnvBaseURL) == "" {
			model = offline()
			break
		}
		fallthrough
	case "openai":
		oc := llm.OpenAIConfigFromEnv(getenv)
		if cfg.LLMModel != "" {
			oc.Model = cfg.LLMModel
		}
		m, err := llm.NewOpenAI(oc)
		if err != nil {
			return nil, nil, nil, err
		}
		model = m
	case "offline":
		model = offline()
	default:
		return nil, nil, nil, fmt.Errorf("server: --llm must be auto, openai or offline, not %q", cfg.LLM)
	}
	switch cfg.STT {
	case "", "pocketsphinx":
		pc := pocketsphinx.DefaultConfig()
		pc.MaxDecoders = max(runtime.GOMAXPROCS(0), cfg.WarmDecoders)
		pool, err := pocketsphinx.NewPool(pc, 0)
		if err != nil {
			return nil, nil, nil, err
		}
		warmed := make(chan struct{})
		go func() {
			// Load the warm decoders in the background; the pool hands them
			// out as soon as they exist.
			defer close(warmed)
			warmPool(pool, cfg.WarmDecoders)
		}()
		return agent.Sphinx{Pool: pool}, model, func() { <-warmed; pool.Close() }, nil
	case "openai":
		t, err := sttopenai.New(sttopenai.ConfigFromEnv(getenv))
		if err != nil {
			return nil, nil, nil, err
		}
		return agent.Whisper{T: t}, model, func() {}, nil
	}
	return nil, nil, nil, fmt.Errorf("server: --stt must be pocketsphinx or openai, not %q", cfg.STT)
}

// offline is the built-in responder. It knows its answer at once; the
// small delay between words only keeps it streaming like a model, so that
// the speech path is the same.
func offline() llm.Model {
	return llm.NewOffline("Parley", time.Now, llm.WithTokenDelay(2*time.Millisecond))
}

func warmPool(p *pocketsphinx.Pool, n int) {
	var ds []*pocketsphinx.Decoder
	for range n {
		d, err := p.Get(context.Background())
		if err != nil {
			break
		}
		ds = append(ds, d)
	}
	for _, d := range ds {
		p.Put(d)
	}
}
