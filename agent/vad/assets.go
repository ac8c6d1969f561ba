package vad

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
)

// Environment variables that override DefaultAssetPaths.
const (
	EnvModel  = "PARLEY_VAD_MODEL"
	EnvORTLib = "PARLEY_ORT_LIB"
)

// Where the runtime assets live: deps/npm at the repository root holds the
// pinned npm packages that ship them, installed with `npm ci`.
const (
	npmModules = "deps/npm/node_modules"
	modelInNPM = "@ricky0123/vad-web/dist/silero_vad_v5.onnx"
)

// DefaultAssetPaths locates the Silero v5 model and the onnxruntime shared
// library. Each comes from its environment variable (PARLEY_VAD_MODEL,
// PARLEY_ORT_LIB) when set; otherwise from deps/npm/node_modules in the
// nearest directory holding one, searching up from the running binary and
// then up from the working directory. A path not found is empty.
func DefaultAssetPaths() (model, ortLib string) {
	model, ortLib = os.Getenv(EnvModel), os.Getenv(EnvORTLib)
	for _, root := range searchRoots() {
		if model != "" && ortLib != "" {
			break
		}
		modules := filepath.Join(root, filepath.FromSlash(npmModules))
		if model == "" {
			if p := filepath.Join(modules, filepath.FromSlash(modelInNPM)); isFile(p) {
				model = p
			}
		}
		if ortLib == "" {
			ortLib = findORTLib(modules)
		}
	}
	return model, ortLib
}

// searchRoots lists the binary's directory and the working directory, each
// followed by its ancestors.
func searchRoots() []string {
	var starts []string
	if exe, err := os.Executable(); err == nil {
		if exe, err = filepath.EvalSymlinks(exe); err == nil {
			starts = append(starts, filepath.Dir(exe))
		}
	}
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	var roots []string
	for _, dir := range starts {
		for {
			if !slices.Contains(roots, dir) {
				roots = append(roots, dir)
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return roots
}

// findORTLib finds onnxruntime-node's prebuilt library for this platform,
// e.g. onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1, or "".
func findORTLib(modules string) string {
	arch := map[string]string{"amd64": "x64", "arm64": "arm64"}[runtime.GOARCH]
	var name string
	switch runtime.GOOS {
	case "linux":
		name = "libonnxruntime.so.*"
	case "darwin":
		name = "libonnxruntime.*.dylib"
	case "windows":
		name = "onnxruntime.dll"
	}
	goos := map[string]string{"windows": "win32"}[runtime.GOOS]
	if goos == "" {
		goos = runtime.GOOS
	}
	if arch == "" || name == "" {
		return ""
	}
	matches, _ := filepath.Glob(filepath.Join(modules, "onnxruntime-node", "bin", "napi-v*", goos, arch, name))
	for _, m := range matches {
		if isFile(m) {
			return m
		}
	}
	return ""
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}
