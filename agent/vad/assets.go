package vad

import (
	"os"
	"path/filepath"

	"github.com/parley-voice/parley/internal/ortenv"
)

// Environment variables that override DefaultAssetPaths.
const (
	EnvModel  = "PARLEY_VAD_MODEL"
	EnvORTLib = ortenv.EnvLibrary
)

// Where the runtime assets live: deps/npm at the repository root holds the
// pinned npm packages that ship them, installed with `npm ci`.
const (
	npmModules = ortenv.NPMModules
	modelInNPM = "@ricky0123/vad-web/dist/silero_vad_v5.onnx"
)

// DefaultAssetPaths locates the Silero v5 model and the onnxruntime shared
// library. Each comes from its environment variable (PARLEY_VAD_MODEL,
// PARLEY_ORT_LIB) when set; otherwise from deps/npm/node_modules in the
// nearest directory holding one, searching up from the running binary and
// then up from the working directory. A path not found is empty.
func DefaultAssetPaths() (model, ortLib string) {
	model, ortLib = os.Getenv(EnvModel), ortenv.FindLibrary()
	if model != "" {
		return model, ortLib
	}
	for _, root := range ortenv.SearchRoots() {
		if p := filepath.Join(root, filepath.FromSlash(npmModules), filepath.FromSlash(modelInNPM)); isFile(p) {
			return p, ortLib
		}
	}
	return "", ortLib
}

func isFile(p string) bool { return ortenv.IsFile(p) }
