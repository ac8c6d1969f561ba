// Package oaicompat owns what Parley's clients of OpenAI-compatible servers
// (chat completions in agent/llm, transcriptions in agent/stt/openai) share:
// reading the error bodies those servers send.
package oaicompat

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
)

// maxMessageLen bounds a message taken from a body that is not JSON, such
// as a proxy's error page.
const maxMessageLen = 300

// errorBody covers the error shapes seen in the wild:
//
//	OpenAI, Ollama /v1, llama.cpp, newer vLLM: {"error": {"message", "type", "code", "param"}}
//	Ollama native, some proxies:              {"error": "message"}
//	older vLLM:                               {"object": "error", "message", "type", "code"}
//	FastAPI-based servers:                    {"detail": "message"}
type errorBody struct {
	Error   json.RawMessage `json:"error"`
	Message string          `json:"message"`
	Type    string          `json:"type"`
	Code    json.RawMessage `json:"code"`
	Detail  json.RawMessage `json:"detail"`
}

type errorObject struct {
	Message string          `json:"message"`
	Type    string          `json:"type"`
	Code    json.RawMessage `json:"code"`
}

// ErrorDetails reads an error response: its message (from a JSON body in
// any of the shapes above, else the body's text unless it is HTML, else the
// status text), and the error's type and code when the body has them.
func ErrorDetails(status int, contentType string, body []byte) (message, typ, code string) {
	message, typ, code = FromJSON(body)
	if message == "" && !strings.Contains(contentType, "html") {
		message = strings.TrimSpace(string(body))
		if len(message) > maxMessageLen {
			message = message[:maxMessageLen] + "..."
		}
	}
	if message == "" {
		message = http.StatusText(status)
	}
	return message, typ, code
}

// FromJSON reads message, type and code from a JSON error body; all are
// empty if body is not one.
func FromJSON(body []byte) (message, typ, code string) {
	var eb errorBody
	if json.Unmarshal(body, &eb) != nil {
		return "", "", ""
	}
	var obj errorObject
	var str string
	switch {
	case len(eb.Error) > 0 && json.Unmarshal(eb.Error, &obj) == nil && obj.Message != "":
		return obj.Message, obj.Type, rawCode(obj.Code)
	case len(eb.Error) > 0 && json.Unmarshal(eb.Error, &str) == nil && str != "":
		return str, "", ""
	case eb.Message != "":
		return eb.Message, eb.Type, rawCode(eb.Code)
	case len(eb.Detail) > 0:
		if json.Unmarshal(eb.Detail, &str) == nil {
			return str, "", ""
		}
		return string(bytes.TrimSpace(eb.Detail)), "", ""
	}
	return "", "", ""
}

// rawCode renders an error code sent as a string, a number or null.
func rawCode(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}
