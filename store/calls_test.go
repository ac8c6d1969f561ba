package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

var twilioNumberIDFormat = regexp.MustCompile(`^tn_[a-z2-7]{20}$`)

func testNumber(k Key, phone string) TwilioNumber {
	return TwilioNumber{AccountID: k.AccountID, KeyID: k.ID, PhoneNumber: phone, AccountSID: "AC" + strings.Repeat("ab", 16),
		AuthToken: []byte("sealed"), TokenLast4: "1234", Settings: []byte(`{"language":"English"}`)}
}

func TestTwilioNumbers(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		db := be.open(t)
		clock := useFakeClock(db)
		ctx := context.Background()
		alice, bob := newAccount(t, db, "alice"), newAccount(t, db, "bob")

		first, err := db.CreateTwilioNumber(ctx, testNumber(alice, "+15550100"), 3)
		if err != nil {
			t.Fatal(err)
		}
		if !twilioNumberIDFormat.MatchString(first.ID) {
			t.Fatalf("id %q", first.ID)
		}
		clock.advance(time.Second)
		second, err := db.CreateTwilioNumber(ctx, testNumber(alice, "+442071838750"), 3)
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.GetTwilioNumber(ctx, alice.AccountID, first.ID)
		if err != nil || got.PhoneNumber != "+15550100" || got.KeyID != alice.ID || !bytes.Equal(got.AuthToken, []byte("sealed")) ||
			got.TokenLast4 != "1234" || string(got.Settings) != `{"language":"English"}` || !got.CreatedAt.Equal(first.CreatedAt) {
			t.Fatalf("Get: %+v %v", got, err)
		}
		byPhone, err := db.TwilioNumberByPhone(ctx, "+442071838750")
		if err != nil || byPhone.ID != second.ID {
			t.Fatalf("by phone: %+v %v", byPhone, err)
		}
		if _, err := db.TwilioNumberByPhone(ctx, "+15550199"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown phone: %v", err)
		}
		list, err := db.ListTwilioNumbers(ctx, alice.AccountID)
		if err != nil || len(list) != 2 || list[0].ID != second.ID || list[1].ID != first.ID {
			t.Fatalf("List (newest first): %+v %v", list, err)
		}

		// A number belongs to one account: registering it again, from any
		// account, is a conflict.
		for _, k := range []Key{alice, bob} {
			if _, err := db.CreateTwilioNumber(ctx, testNumber(k, "+15550100"), 3); !errors.Is(err, ErrConflict) {
				t.Errorf("%s registers a taken number: %v", k.Name, err)
			}
		}
		// Another account sees nothing of it and cannot delete it.
		if _, err := db.GetTwilioNumber(ctx, bob.AccountID, first.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("bob reads alice's: %v", err)
		}
		if err := db.DeleteTwilioNumber(ctx, bob.AccountID, first.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("bob deletes alice's: %v", err)
		}
		if l, _ := db.ListTwilioNumbers(ctx, bob.AccountID); len(l) != 0 {
			t.Fatalf("bob lists %v", l)
		}

		if _, err := db.CreateTwilioNumber(ctx, testNumber(alice, "+15550101"), 3); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateTwilioNumber(ctx, testNumber(alice, "+15550102"), 3); !errors.Is(err, ErrNumberLimit) {
			t.Fatalf("fourth number of three: %v", err)
		}
		if err := db.DeleteTwilioNumber(ctx, alice.AccountID, first.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteTwilioNumber(ctx, alice.AccountID, first.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deleted twice: %v", err)
		}
		// Once deleted, the number is free for anyone.
		if _, err := db.CreateTwilioNumber(ctx, testNumber(bob, "+15550100"), 3); err != nil {
			t.Fatalf("bob registers the freed number: %v", err)
		}

		for name, n := range map[string]TwilioNumber{
			"not E.164":    testNumber(alice, "5550100"),
			"leading zero": testNumber(alice, "+05550100"),
			"too long":     testNumber(alice, "+1234567890123456"),
			"bad SID":      func() TwilioNumber { n := testNumber(alice, "+15550103"); n.AccountSID = "AC123"; return n }(),
			"no token":     func() TwilioNumber { n := testNumber(alice, "+15550103"); n.AuthToken = nil; return n }(),
			"bad settings": func() TwilioNumber { n := testNumber(alice, "+15550103"); n.Settings = []byte("{"); return n }(),
		} {
			if _, err := db.CreateTwilioNumber(ctx, n, 10); !errors.Is(err, ErrInvalid) {
				t.Errorf("%s: %v", name, err)
			}
		}
	})
}

// TestTwilioNumberRace: nodes registering the same number at once, for
// different accounts, leave exactly one registration.
func TestTwilioNumberRace(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		dbs := []*DB{be.open(t), be.open(t)}
		ctx := context.Background()
		const n = 8
		keys := make([]Key, n)
		for i := range keys {
			keys[i] = newAccount(t, dbs[0], fmt.Sprint("a", i))
		}
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = dbs[i%2].CreateTwilioNumber(ctx, testNumber(keys[i], "+15550100"), 10)
			}()
		}
		wg.Wait()
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, ErrConflict):
				t.Errorf("registration %d: %v", i, err)
			}
		}
		if won != 1 {
			t.Fatalf("%d registrations of one number succeeded", won)
		}
	})
}

func TestCalls(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		db := be.open(t)
		ctx := context.Background()
		alice, bob := newAccount(t, db, "alice"), newAccount(t, db, "bob")
		start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
		// Five calls of alice's, two of them starting in the same
		// millisecond, and one of bob's.
		for i, off := range []int{0, 1000, 1000, 2000, 3000} {
			c := Call{ID: fmt.Sprintf("agent_%d", i), AccountID: alice.AccountID, KeyID: alice.ID, Transport: "twilio",
				NumberID: "tn_x", CallSID: "CA" + fmt.Sprint(i), From: "+15550111", To: "+15550100",
				StartedAt: start.Add(time.Duration(off) * time.Millisecond), Turns: i,
				TurnMetrics: []byte(fmt.Sprintf(`[{"turn":%d}]`, i)), EndReason: "stop"}
			c.EndedAt = c.StartedAt.Add(90 * time.Second)
			if err := db.CreateCall(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.CreateCall(ctx, Call{ID: "agent_b", AccountID: bob.AccountID, KeyID: bob.ID, Transport: "browser",
			StartedAt: start, EndedAt: start, TurnMetrics: []byte(`[]`)}); err != nil {
			t.Fatal(err)
		}
		var ids []string
		var after *CallCursor
		for page := 0; ; page++ {
			cs, err := db.ListCalls(ctx, alice.AccountID, after, 2)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cs {
				ids = append(ids, c.ID)
				if c.AccountID != alice.AccountID {
					t.Fatalf("alice's listing has %+v", c)
				}
			}
			if len(cs) < 2 {
				break
			}
			last := cs[len(cs)-1]
			after = &CallCursor{StartedAt: last.StartedAt, ID: last.ID}
		}
		if got, want := strings.Join(ids, " "), "agent_4 agent_3 agent_2 agent_1 agent_0"; got != want {
			t.Fatalf("pages give %s, want %s", got, want)
		}
		cs, err := db.ListCalls(ctx, alice.AccountID, nil, 1)
		if err != nil || len(cs) != 1 {
			t.Fatal(cs, err)
		}
		c := cs[0]
		if c.Transport != "twilio" || c.CallSID != "CA4" || c.Turns != 4 || string(c.TurnMetrics) != `[{"turn":4}]` ||
			c.EndedAt.Sub(c.StartedAt) != 90*time.Second || c.EndReason != "stop" || c.From != "+15550111" {
			t.Fatalf("read back %+v", c)
		}
		if cs, _ := db.ListCalls(ctx, bob.AccountID, nil, 10); len(cs) != 1 || cs[0].ID != "agent_b" {
			t.Fatalf("bob's calls: %+v", cs)
		}
		for name, c := range map[string]Call{
			"no id":        {AccountID: alice.AccountID, KeyID: alice.ID, Transport: "browser", TurnMetrics: []byte(`[]`)},
			"transport":    {ID: "x", AccountID: alice.AccountID, KeyID: alice.ID, Transport: "pigeon", TurnMetrics: []byte(`[]`)},
			"ends early":   {ID: "x", AccountID: alice.AccountID, KeyID: alice.ID, Transport: "browser", StartedAt: start, EndedAt: start.Add(-time.Second), TurnMetrics: []byte(`[]`)},
			"metrics JSON": {ID: "x", AccountID: alice.AccountID, KeyID: alice.ID, Transport: "browser", TurnMetrics: []byte(`[`)},
		} {
			if err := db.CreateCall(ctx, c); !errors.Is(err, ErrInvalid) {
				t.Errorf("%s: %v", name, err)
			}
		}
	})
}
