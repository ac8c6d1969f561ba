package ortenv

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
)

// NPMModules is where the pinned npm packages that ship runtime assets are
// installed, relative to the repository root (`npm ci` in deps/npm).
const NPMModules = "deps/npm/node_modules"

// FindLibrary returns the onnxruntime shared library to load:
// onnxruntime-node's prebuilt library for this platform in the nearest
// NPMModules, or "" when there is none.
func FindLibrary() string {
	for _, root := range SearchRoots() {
		if p := libraryIn(filepath.Join(root, filepath.FromSlash(NPMModules))); p != "" {
			return p
		}
	}
	return ""
}

// SearchRoots lists the running binary's directory and the working
// directory, each followed by its ancestors: where runtime assets shipped
// beside the source tree are looked for.
func SearchRoots() []string {
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

// libraryIn finds onnxruntime-node's prebuilt library for this platform,
// e.g. onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1, or "".
func libraryIn(modules string) string {
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
		if IsFile(m) {
			return m
		}
	}
	return ""
}

// IsFile reports whether p is a regular file.
func IsFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// ResidentBytes is the process's resident memory, for measuring what
// loading a model costs; 0 where /proc/self/statm cannot be read.
func ResidentBytes() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	var size, resident int64
	if _, err := fmt.Sscan(string(b), &size, &resident); err != nil {
		return 0
	}
	return resident * int64(os.Getpagesize())
}
