package plan

import "sort"

// Plan is one row of the plan table.
type Plan struct {
	Name         string
	MonthlyChars int64 // characters synthesised per calendar month (UTC)
	SavedVoices  int   // voices an account may keep
	WebSocket    bool  // access to /v1/realtime
}

var plans = map[string]Plan{
	"free":     {Name: "free", MonthlyChars: 50_000, SavedVoices: 3},
	"starter":  {Name: "starter", MonthlyChars: 1_000_000, SavedVoices: 10},
	"pro":      {Name: "pro", MonthlyChars: 3_000_000, SavedVoices: 25},
	"realtime": {Name: "realtime", MonthlyChars: 3_000_000, SavedVoices: 50, WebSocket: true},
	"scale":    {Name: "scale", MonthlyChars: 10_000_000, SavedVoices: 100, WebSocket: true},
}

// Lookup returns the named plan.
func Lookup(name string) (Plan, bool) {
	p, ok := plans[name]
	return p, ok
}

// Names lists the plan names, cheapest first.
func Names() []string {
	names := make([]string, 0, len(plans))
	for n := range plans {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := plans[names[i]], plans[names[j]]
		if a.MonthlyChars != b.MonthlyChars {
			return a.MonthlyChars < b.MonthlyChars
		}
		return a.SavedVoices < b.SavedVoices
	})
	return names
}
