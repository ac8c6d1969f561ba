package vad

import (
	"path/filepath"

	"github.com/parley-voice/parley/internal/ortenv"
)

// Where the runtime assets live: deps/npm at the repository root holds the
// pinned npm packages that ship them, installed with `npm ci`.
const (
	npmModules = ortenv.NPMModules
	modelInNPM = "@ricky0123/vad-web/dist/silero_vad_v5.onnx"
)

// DefaultAssetPaths locates the Silero v5 model and the onnxruntime shared
// library in deps/npm/node_modules in the nearest directory holding one,
// searching up from the running binary and then up from the working
// directory. A path not found is empty. Config.ModelPath and
// Config.ORTLibPath override it.
func DefaultAssetPaths() (model, ortLib string) {
	ortLib = ortenv.FindLibrary()
	for _, root := range ortenv.SearchRoots() {
		if p := filepath.Join(root, filepath.FromSlash(npmModules), filepath.FromSlash(modelInNPM)); isFile(p) {
			return p, ortLib
		}
	}
	return "", ortLib
}

func isFile(p string) bool { return ortenv.IsFile(p) }
