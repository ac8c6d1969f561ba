package server

import (
	"context"
	"fmt"
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
	// LLM is "auto" (OpenAI-compatible when LLMURL or LLMKey is set, else
	// the offline responder), "openai" or "offline".
	LLM string
	// LLMURL, LLMKey and LLMModel reach an OpenAI-compatible chat server;
	// empty fields take llm.OpenAIConfig's defaults.
	LLMURL, LLMKey, LLMModel string
	// STT is "pocketsphinx" (default, offline) or "openai" (an
	// OpenAI-compatible /audio/transcriptions server).
	STT string
	// STTURL is the transcription server; empty means the LLM's server,
	// with LLMKey. With an STTURL the key is STTKey alone, so that the
	// LLM's key never reaches another server.
	STTURL, STTKey string
	// STTModel is the transcription model; empty means
	// sttopenai.DefaultModel.
	STTModel string
	// WarmDecoders are pocketsphinx decoders loaded at start-up (each
	// takes about half a second and 90 MB), so that the first turn does
	// not wait for one.
	WarmDecoders int
}

// DefaultAgentConfig returns what DefaultConfig's agent runs: offline unless
// an OpenAI-compatible server is configured, pocketsphinx, one decoder
// loaded at start-up.
func DefaultAgentConfig() AgentConfig {
	return AgentConfig{
		Config:       agent.DefaultConfig(),
		LLM:          "auto",
		LLMModel:     llm.DefaultModel,
		STT:          "pocketsphinx",
		STTModel:     sttopenai.DefaultModel,
		WarmDecoders: 1,
	}
}

// llmConfig is the OpenAI-compatible chat server of cfg.
func llmConfig(cfg AgentConfig) llm.OpenAIConfig {
	return llm.OpenAIConfig{BaseURL: cfg.LLMURL, APIKey: cfg.LLMKey, Model: cfg.LLMModel}
}

// sttConfig is the OpenAI-compatible transcription server of cfg.
func sttConfig(cfg AgentConfig) sttopenai.Config {
	if cfg.STTURL != "" {
		return sttopenai.Config{BaseURL: cfg.STTURL, APIKey: cfg.STTKey, Model: cfg.STTModel}
	}
	return sttopenai.Config{BaseURL: cfg.LLMURL, APIKey: cfg.LLMKey, Model: cfg.STTModel}
}

// agentDeps builds the agent's STT and LLM from cfg.
func agentDeps(cfg AgentConfig) (agent.STT, llm.Model, func(), error) {
	var model llm.Model
	switch cfg.LLM {
	case "", "auto":
		if cfg.LLMURL == "" && cfg.LLMKey == "" {
			model = offline()
			break
		}
		fallthrough
	case "openai":
		m, err := llm.NewOpenAI(llmConfig(cfg))
		if err != nil {
			return nil, nil, nil, err
		}
		model = m
	case "offline":
		model = offline()
	default:
		return nil, nil, nil, fmt.Errorf("server: --agent-llm must be auto, openai or offline, not %q", cfg.LLM)
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
		t, err := sttopenai.New(sttConfig(cfg))
		if err != nil {
			return nil, nil, nil, err
		}
		return agent.Whisper{T: t}, model, func() {}, nil
	}
	return nil, nil, nil, fmt.Errorf("server: --agent-stt must be pocketsphinx or openai, not %q", cfg.STT)
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
