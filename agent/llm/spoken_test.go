package llm

import (
	"testing"
	"time"
)

func TestSpokenTime(t *testing.T) {
	tests := []struct {
		h, m int
		want string
	}{
		{0, 0, "It's midnight."},
		{0, 10, "It's ten past midnight."},
		{0, 30, "It's half past midnight."},
		{0, 45, "It's quarter to one in the morning."},
		{6, 0, "It's six o'clock in the morning."},
		{9, 7, "It's seven minutes past nine in the morning."},
		{11, 58, "It's two minutes to twelve in the morning."},
		{12, 0, "It's noon."},
		{12, 30, "It's half past twelve in the afternoon."},
		{13, 1, "It's one minute past one in the afternoon."},
		{15, 0, "It's three o'clock in the afternoon."},
		{15, 10, "It's ten past three in the afternoon."},
		{15, 15, "It's quarter past three in the afternoon."},
		{15, 37, "It's twenty-three minutes to four in the afternoon."},
		{15, 45, "It's quarter to four in the afternoon."},
		{17, 59, "It's one minute to six in the afternoon."},
		{18, 25, "It's twenty-five past six in the evening."},
		{21, 5, "It's five past nine at night."},
		{23, 50, "It's ten to midnight."},
	}
	for _, tt := range tests {
		if got := spokenTime(time.Date(2025, 3, 4, tt.h, tt.m, 42, 0, time.UTC)); got != tt.want {
			t.Errorf("%02d:%02d: %q, want %q", tt.h, tt.m, got, tt.want)
		}
	}
}

func TestSpokenDate(t *testing.T) {
	tests := []struct {
		date time.Time
		want string
	}{
		{time.Date(2025, 3, 4, 9, 0, 0, 0, time.UTC), "Today is Tuesday, March the fourth, twenty twenty-five."},
		{time.Date(2000, 1, 1, 9, 0, 0, 0, time.UTC), "Today is Saturday, January the first, two thousand."},
		{time.Date(2009, 12, 31, 9, 0, 0, 0, time.UTC), "Today is Thursday, December the thirty-first, two thousand nine."},
		{time.Date(2010, 7, 22, 9, 0, 0, 0, time.UTC), "Today is Thursday, July the twenty-second, twenty ten."},
		{time.Date(1999, 5, 30, 9, 0, 0, 0, time.UTC), "Today is Sunday, May the thirtieth, nineteen ninety-nine."},
		{time.Date(1905, 2, 12, 9, 0, 0, 0, time.UTC), "Today is Sunday, February the twelfth, nineteen oh five."},
		{time.Date(2100, 6, 23, 9, 0, 0, 0, time.UTC), "Today is Wednesday, June the twenty-third, twenty-one hundred."},
	}
	for _, tt := range tests {
		if got := spokenDate(tt.date); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.date.Format(time.DateOnly), got, tt.want)
		}
	}
}
