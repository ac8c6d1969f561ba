package piper

import (
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/parley-voice/parley/internal/ortenv"
)

// env is the onnxruntime environment the tests share; nil without cgo.
var env *ortenv.Env

func TestMain(m *testing.M) {
	var err error
	env, err = ortenv.Acquire("")
	if err != nil {
		env = nil
	}
	code := m.Run()
	if env != nil {
		env.Release()
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			os.Stderr.WriteString("goleak: " + err.Error() + "\n")
			code = 1
		}
	}
	os.Exit(code)
}
