package codec

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/parley-voice/parley/audio"
)

// The round trips decode with FFmpeg, a decoder independent of the
// encoders under test. scripts/deps.sh --test installs it.
func requireFFmpeg(t testing.TB) {
	t.Helper()
	for _, tool := range []string{"ffprobe", "ffmpeg"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: install Debian's ffmpeg (scripts/deps.sh --test): %v", tool, err)
		}
	}
}

// rawArgs tells FFmpeg how to read a headerless pcm file.
func rawArgs(format string) []string {
	if format == "pcm" {
		return []string{"-f", "s16le", "-ar", strconv.Itoa(SampleRate), "-ac", "1"}
	}
	return nil
}

// probeInfo is what ffprobe says about a file's first stream.
type probeInfo struct {
	Codec      string
	SampleRate int
	Channels   int
	// Duration in seconds from the container, -1 when ffprobe reports
	// none (a stream that does not announce its length).
	Duration float64
	// StartTime in seconds: the encoder delay FFmpeg will skip.
	StartTime float64
}

func ffprobe(t *testing.T, path, format string) probeInfo {
	t.Helper()
	args := append([]string{"-v", "error"}, rawArgs(format)...)
	args = append(args, "-show_streams", "-show_format", "-of", "json", path)
	out, err := exec.Command("ffprobe", args...).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var r struct {
		Streams []struct {
			CodecName  string `json:"codec_name"`
			SampleRate string `json:"sample_rate"`
			Channels   int    `json:"channels"`
			StartTime  string `json:"start_time"`
		} `json:"streams"`
		Format struct {
			Duration string `json:"duration"`
		} `json:"format"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("ffprobe output %s: %v", out, err)
	}
	if len(r.Streams) != 1 {
		t.Fatalf("ffprobe found %d streams in %s, want 1", len(r.Streams), path)
	}
	s := r.Streams[0]
	info := probeInfo{Codec: s.CodecName, Channels: s.Channels, Duration: -1}
	info.SampleRate, _ = strconv.Atoi(s.SampleRate)
	if d, err := strconv.ParseFloat(r.Format.Duration, 64); err == nil {
		info.Duration = d
	}
	info.StartTime, _ = strconv.ParseFloat(s.StartTime, 64)
	return info
}

// ffdecode decodes path to mono PCM at rate with FFmpeg; rate 0 keeps the
// stream's own rate.
func ffdecode(t *testing.T, path, format string, rate int) []int16 {
	t.Helper()
	args := append([]string{"-v", "error"}, rawArgs(format)...)
	args = append(args, "-i", path, "-f", "s16le", "-ac", "1")
	if rate > 0 {
		args = append(args, "-ar", strconv.Itoa(rate))
	}
	var stderr bytes.Buffer
	cmd := exec.Command("ffmpeg", append(args, "-")...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ffmpeg decoding %s: %v: %s", path, err, stderr.Bytes())
	}
	return audio.BytesToPCM(nil, out)
}

// writeTemp stores b as a file named for format in the test's directory.
func writeTemp(t *testing.T, format string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "out."+format)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
