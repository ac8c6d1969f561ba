package server

import (
	"testing"

	"github.com/parley-voice/parley/agent/llm"
	sttopenai "github.com/parley-voice/parley/agent/stt/openai"
)

// TestAgentServers: the agent's chat and transcription servers come from
// AgentConfig alone, and a transcription server of its own never gets the
// chat server's key.
func TestAgentServers(t *testing.T) {
	chat := AgentConfig{LLMURL: "http://localhost:8000/v1", LLMKey: "k", LLMModel: "llama3.2", STTModel: "whisper-large-v3"}
	if got, want := llmConfig(chat), (llm.OpenAIConfig{BaseURL: "http://localhost:8000/v1", APIKey: "k", Model: "llama3.2"}); got != want {
		t.Errorf("chat server: %+v, want %+v", got, want)
	}
	for _, tt := range []struct {
		name string
		cfg  AgentConfig
		want sttopenai.Config
	}{
		{"nothing", AgentConfig{}, sttopenai.Config{}},
		{"shared with the chat server", chat,
			sttopenai.Config{BaseURL: "http://localhost:8000/v1", APIKey: "k", Model: "whisper-large-v3"}},
		{"own server never gets the chat key",
			AgentConfig{LLMURL: "https://api.openai.com/v1", LLMKey: "sk-secret", STTURL: "http://whisper:9000/v1"},
			sttopenai.Config{BaseURL: "http://whisper:9000/v1"}},
		{"own server with its own key",
			AgentConfig{LLMKey: "sk-secret", STTURL: "http://whisper:9000/v1", STTKey: "local"},
			sttopenai.Config{BaseURL: "http://whisper:9000/v1", APIKey: "local"}},
	} {
		if got := sttConfig(tt.cfg); got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
	// auto is offline without a chat server, and the chat server with one.
	for _, tt := range []struct {
		cfg     AgentConfig
		offline bool
	}{
		{AgentConfig{LLM: "auto", STT: "openai"}, true},
		{AgentConfig{LLM: "auto", STT: "openai", LLMKey: "k"}, false},
		{AgentConfig{LLM: "auto", STT: "openai", LLMURL: "http://localhost:11434/v1"}, false},
		{AgentConfig{LLM: "offline", STT: "openai", LLMKey: "k"}, true},
	} {
		_, model, stop, err := agentDeps(tt.cfg)
		if err != nil {
			t.Fatal(err)
		}
		stop()
		if offline := model.Name() == "offline"; offline != tt.offline {
			t.Errorf("%+v: model %q, offline %v; want offline %v", tt.cfg, model.Name(), offline, tt.offline)
		}
	}
}
