package onnxrun

import (
	"slices"
	"strings"
	"testing"
)

func TestContractCheck(t *testing.T) {
	c := Contract{
		Inputs: []Port{
			{Name: "ids", Type: Int64, Ranks: []int{2}},
			{Name: "style", Type: Float32, Ranks: []int{2}},
			{Name: "sid", Type: Int64, Ranks: []int{1}, Optional: true},
		},
		Outputs: []Port{{Name: "wave", Type: Float32, Ranks: []int{1, 2}}},
	}
	tensor := func(name, typ string, rank int) ioInfo {
		return ioInfo{name: name, tensor: true, typ: typ, dims: make([]int64, rank)}
	}
	good := []ioInfo{tensor("style", "float32", 2), tensor("ids", "int64", 2)}
	outs := []ioInfo{tensor("durations", "float32", 1), tensor("wave", "float32", 1)}
	in, out, err := c.check(good, outs)
	if err != nil || !slices.Equal(in, []string{"ids", "style"}) || !slices.Equal(out, []string{"wave"}) {
		t.Errorf("check = %v, %v, %v; want contract order, the optional input absent, the extra output ignored", in, out, err)
	}
	in, _, err = c.check(append(good, tensor("sid", "int64", 1)), outs)
	if err != nil || !slices.Equal(in, []string{"ids", "style", "sid"}) {
		t.Errorf("with the optional input: %v, %v", in, err)
	}
	for _, tc := range []struct {
		ins, outs []ioInfo
		says      string
	}{
		{[]ioInfo{tensor("ids", "int64", 2)}, outs, `input "style" is missing`},
		{append(good, tensor("text", "int64", 2)), outs, `unexpected input "text"`},
		{[]ioInfo{tensor("ids", "float32", 2), tensor("style", "float32", 2)}, outs, `input "ids" is float32 [0 0], want int64 of rank 2`},
		{[]ioInfo{tensor("ids", "int64", 3), tensor("style", "float32", 2)}, outs, "want int64 of rank 2"},
		{good, []ioInfo{tensor("audio", "float32", 1)}, `output "wave" is missing`},
		{good, []ioInfo{tensor("wave", "float32", 3)}, "want float32 of rank 1 or 2"},
		{[]ioInfo{{name: "ids"}, tensor("style", "float32", 2)}, outs, "not a tensor"},
	} {
		if _, _, err := c.check(tc.ins, tc.outs); err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%v / %v: %v, want %q", tc.ins, tc.outs, err, tc.says)
		}
	}
}

func TestPieces(t *testing.T) {
	r := func(s string) []rune { return []rune(s) }
	sents := [][][]rune{
		{r("aaaa, "), r("bbbbbb, "), r("cc.")},
		{r("dddd dddd dddd dddd?")},
		{r(" ")},
		{r("e!")},
	}
	str := func(ps [][]rune) []string {
		var out []string
		for _, p := range ps {
			out = append(out, string(p))
		}
		return out
	}
	tests := []struct {
		first, max int
		want       []string
	}{
		{0, 100, []string{"aaaa, bbbbbb, cc.", "dddd dddd dddd dddd?", "e!"}},
		{8, 100, []string{"aaaa, ", "bbbbbb, cc.", "dddd dddd dddd dddd?", "e!"}},
		{0, 12, []string{"aaaa, ", "bbbbbb, cc.", "dddd dddd ", "dddd dddd?", "e!"}},
		{0, 3, []string{"aaa", "a, ", "bbb", "bbb", ", ", "cc.", "ddd", "d ", "ddd", "d ", "ddd", "d ", "ddd", "d?", "e!"}},
	}
	for _, tt := range tests {
		if got := str(Pieces(sents, tt.first, tt.max)); !slices.Equal(got, tt.want) {
			t.Errorf("Pieces(first %d, max %d)\n got %q\nwant %q", tt.first, tt.max, got, tt.want)
		}
	}
}
