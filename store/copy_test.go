package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestTablesCoverSchema: Copy's list of tables and columns is the schema,
// on both back ends, so a migration that adds one cannot be forgotten by
// `parley store migrate`.
func TestTablesCoverSchema(t *testing.T) {
	forBackends(t, func(t *testing.T, be testBackend) {
		db := be.open(t)
		ctx := context.Background()
		q := `SELECT m.name, p.name FROM sqlite_schema AS m JOIN pragma_table_info(m.name) AS p
WHERE m.type = 'table' AND m.name <> 'schema_migrations' ORDER BY m.name, p.cid`
		if db.Backend() == "postgres" {
			q = `SELECT table_name, column_name FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name <> 'schema_migrations' ORDER BY table_name, ordinal_position`
		}
		rows, err := db.r.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		got := map[string][]string{}
		for rows.Next() {
			var table, column string
			if err := rows.Scan(&table, &column); err != nil {
				t.Fatal(err)
			}
			got[table] = append(got[table], column)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		want := map[string][]string{}
		for _, tb := range tables {
			want[tb.name] = slices.Sorted(slices.Values(tb.columns))
		}
		for name := range got {
			slices.Sort(got[name])
		}
		for name, cols := range want {
			if !slices.Equal(got[name], cols) {
				t.Errorf("table %s: schema has %v, Copy knows %v", name, got[name], cols)
			}
		}
		for name := range got {
			if _, ok := want[name]; !ok {
				t.Errorf("table %s is not in Copy's list", name)
			}
		}
	})
}

// fillStore puts data in every table and every state a table's rows can be
// in: keys revoked and used, usage of several months, voices, jobs queued,
// running (leased), succeeded with audio of several chunks and with none,
// failed, with webhooks pending and delivered, and settings.
func fillStore(t *testing.T, db *DB) (secret string) {
	t.Helper()
	ctx := context.Background()
	secret, k, err := db.CreateKey(ctx, "primary", "scale")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Authenticate(ctx, secret); err != nil { // last_used_at
		t.Fatal(err)
	}
	_, revoked, err := db.CreateKeyForAccount(ctx, k.AccountID, "revoked", "free")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.RevokeKey(ctx, revoked.ID); err != nil {
		t.Fatal(err)
	}
	other := newAccount(t, db, "other")
	for _, m := range []string{"2025-11", "2025-12"} {
		if err := db.Charge(ctx, k.ID, m, 1234, 5); err != nil {
			t.Fatal(err)
		}
	}
	for i, src := range []string{VoiceFromDescription, VoiceFromAudio} {
		if _, err := db.CreateVoice(ctx, Voice{AccountID: k.AccountID, Name: "vóice " + src, Source: src, Description: "a warm voice",
			RefText: strings.Repeat("said ", i*100), Profile: []byte(`{"pitch":1.5,"name":"\u00e9"}`)}, 10); err != nil {
			t.Fatal(err)
		}
	}
	create := func(key Key, hook string, charged int64) {
		t.Helper()
		if _, err := db.CreateJob(ctx, Job{AccountID: key.AccountID, KeyID: key.ID, Request: []byte(`{"text":"héllo"}`), Format: "mp3",
			WebhookURL: hook, Charged: charged, ChargeMonth: "2025-12"}, JobLimits{}); err != nil {
			t.Fatal(err)
		}
	}
	big := bytes.Repeat([]byte{0, 1, 2, 250}, audioChunk/2+7) // three chunks
	for i, audio := range [][]byte{big, {}, audio(10)} {
		create(k, []string{"https://a.example/h", "", "https://b.example/h"}[i], 40)
		c := claim(t, db)
		if err := db.SucceedJob(ctx, c, audio, 0); err != nil {
			t.Fatal(err)
		}
	}
	ds, err := db.ClaimDeliveries(ctx, testOwner, time.Minute, 5, 5)
	if err != nil || len(ds) != 2 {
		t.Fatalf("ClaimDeliveries = %d, %v", len(ds), err)
	}
	if err := db.RecordDelivery(ctx, ds[0], true, "", time.Time{}, false); err != nil {
		t.Fatal(err)
	}
	create(other, "https://c.example/h", 0)
	if err := db.FailJob(ctx, claim(t, db), errors.New("engine broke")); err != nil {
		t.Fatal(err)
	}
	create(k, "", 9)
	claim(t, db)     // left running, leased
	create(k, "", 9) // left queued
	if _, err := db.InitSetting(ctx, "voice_secret_fingerprint", bytes.Repeat([]byte{7}, 32)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreatePronunciations(ctx, Pronunciations{AccountID: k.AccountID, Name: "brands", Language: "English",
		Entries: []byte(`[{"text":"Parley","ipa":"ˈpɑːli"}]`)}, 10); err != nil {
		t.Fatal(err)
	}
	n, err := db.CreateTwilioNumber(ctx, TwilioNumber{AccountID: k.AccountID, KeyID: k.ID, PhoneNumber: "+15550100",
		AccountSID: "AC" + strings.Repeat("0f", 16), AuthToken: []byte{1, 0, 255, 7}, TokenLast4: "abcd",
		Settings: []byte(`{"language":"English","instructions":"Be brief, s'il vous plaît."}`)}, 10)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2025, 12, 1, 9, 0, 0, 0, time.UTC)
	for i, c := range []Call{
		{ID: "agent_a", Transport: "twilio", NumberID: n.ID, CallSID: "CA1", From: "+15550111", To: n.PhoneNumber, Turns: 2,
			TurnMetrics: []byte(`[{"turn":1},{"turn":3}]`), EndReason: "caller hung up"},
		{ID: "agent_b", Transport: "browser", TurnMetrics: []byte(`[]`)},
	} {
		c.AccountID, c.KeyID = k.AccountID, k.ID
		c.StartedAt, c.EndedAt = start.Add(time.Duration(i)*time.Hour), start.Add(time.Duration(i)*time.Hour+time.Minute)
		if err := db.CreateCall(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	return secret
}

// counts is every table's row count.
func counts(t *testing.T, db *DB) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, tb := range tables {
		var n int64
		if err := db.r.QueryRowContext(context.Background(), `SELECT count(*) FROM `+tb.name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[tb.name] = n
	}
	return out
}

// TestCopy moves a SQLite store with data in every table into PostgreSQL
// and back into a new SQLite file: every row arrives, verified, and the
// copies work as stores (keys authenticate, audio reads back, the queue
// runs on).
func TestCopy(t *testing.T) {
	ctx := context.Background()
	bs := backends(t)
	sqlite, pg := bs[0].open(t), bs[1].open(t)
	secret := fillStore(t, sqlite)
	want := counts(t, sqlite)
	for name, n := range want {
		if n == 0 {
			t.Fatalf("the source's %s is empty: the test would prove nothing about it", name)
		}
	}
	extra := map[string][]byte{"voice_secret": bytes.Repeat([]byte{9}, 32)}
	rep, err := Copy(ctx, sqlite, pg, CopyOptions{Settings: extra})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Tables) != len(tables) {
		t.Fatalf("report of %d tables, want %d", len(rep.Tables), len(tables))
	}
	for i, tr := range rep.Tables {
		if tr.Name != tables[i].name || tr.SourceRows != want[tr.Name] || tr.CopiedRows != tr.SourceRows || tr.VerifiedRows != tr.SourceRows {
			t.Errorf("report %+v, want %d rows of %s copied and verified", tr, want[tables[i].name], tables[i].name)
		}
	}
	got := counts(t, pg)
	for name, n := range want {
		if name == "settings" {
			n += int64(len(extra))
		}
		if got[name] != n {
			t.Errorf("%s: %d rows in the copy, want %d", name, got[name], n)
		}
	}
	if v, err := pg.Setting(ctx, "voice_secret"); err != nil || !bytes.Equal(v, extra["voice_secret"]) {
		t.Errorf("added setting = %x, %v", v, err)
	}
	checkCopy(t, sqlite, pg, secret)

	// A target with data is refused, and replaced when asked.
	if _, err := Copy(ctx, sqlite, pg, CopyOptions{}); !errors.Is(err, ErrNotEmpty) {
		t.Errorf("copy into a store with data: error = %v, want ErrNotEmpty", err)
	}
	if _, err := Copy(ctx, sqlite, pg, CopyOptions{Replace: true}); err != nil {
		t.Errorf("copy with Replace: %v", err)
	}

	// And back, into a new SQLite file.
	back := testBackend{name: "sqlite", url: "sqlite:" + filepath.Join(t.TempDir(), FileName)}.open(t)
	if _, err := Copy(ctx, pg, back, CopyOptions{}); err != nil {
		t.Fatal(err)
	}
	checkCopy(t, sqlite, back, secret)
	if err := back.IntegrityCheck(ctx); err != nil {
		t.Error(err)
	}
}

// checkCopy checks that copy serves what orig does.
func checkCopy(t *testing.T, orig, copied *DB, secret string) {
	t.Helper()
	ctx := context.Background()
	k, err := copied.Authenticate(ctx, secret)
	if err != nil {
		t.Fatalf("the copy does not know the key: %v", err)
	}
	keysOrig, _ := orig.ListKeys(ctx)
	keysCopy, _ := copied.ListKeys(ctx)
	if len(keysOrig) != len(keysCopy) {
		t.Fatalf("keys: %d in the copy, %d in the source", len(keysCopy), len(keysOrig))
	}
	for i := range keysOrig {
		if !keysEqual(keysOrig[i], keysCopy[i]) && keysOrig[i].ID != k.ID { // Authenticate may have touched it
			t.Errorf("key %d: %+v in the copy, %+v in the source", i, keysCopy[i], keysOrig[i])
		}
	}
	for _, m := range []string{"2025-11", "2025-12"} {
		a, ar, _ := orig.Usage(ctx, k.ID, m)
		b, br, _ := copied.Usage(ctx, k.ID, m)
		if a != b || ar != br {
			t.Errorf("usage %s: %d/%d in the copy, %d/%d in the source", m, b, br, a, ar)
		}
	}
	vo, _ := orig.ListVoices(ctx, k.AccountID)
	vc, _ := copied.ListVoices(ctx, k.AccountID)
	if len(vo) != 2 || len(vc) != 2 || string(vo[0].Profile) != string(vc[0].Profile) || vo[1].RefText != vc[1].RefText {
		t.Errorf("voices: %+v in the copy, %+v in the source", vc, vo)
	}
	var rows *rows
	rows, err = orig.r.QueryContext(ctx, `SELECT id, account_id FROM jobs ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, account string
		if err := rows.Scan(&id, &account); err != nil {
			t.Fatal(err)
		}
		a, err1 := orig.GetJob(ctx, account, id)
		b, err2 := copied.GetJob(ctx, account, id)
		if err1 != nil || err2 != nil || !jobsEqual(a, b) || a.LeaseOwner != b.LeaseOwner || !timesEqual(a.LeaseUntil, b.LeaseUntil) ||
			a.Charged != b.Charged || a.ChargeMonth != b.ChargeMonth {
			t.Errorf("job %s: %+v in the copy (%v), %+v in the source (%v)", id, b, err2, a, err1)
		}
		var ao, bo bytes.Buffer
		_, err1 = orig.WriteJobAudio(ctx, id, &ao)
		_, err2 = copied.WriteJobAudio(ctx, id, &bo)
		if (err1 == nil) != (err2 == nil) || !bytes.Equal(ao.Bytes(), bo.Bytes()) {
			t.Errorf("job %s audio: %d bytes (%v) in the copy, %d (%v) in the source", id, bo.Len(), err2, ao.Len(), err1)
		}
	}
	po, _ := orig.ListPronunciations(ctx, k.AccountID)
	pc, _ := copied.ListPronunciations(ctx, k.AccountID)
	if len(po) != 1 || len(pc) != 1 || po[0].ID != pc[0].ID || string(po[0].Entries) != string(pc[0].Entries) {
		t.Errorf("pronunciations: %+v in the copy, %+v in the source", pc, po)
	}
	// The copy runs on: the queued job can be claimed.
	if _, ok, err := copied.ClaimJob(ctx, "node-after", time.Minute); err != nil || !ok {
		t.Errorf("claim in the copy = %v, %v", ok, err)
	}
}

// TestCopyVerificationCatchesDifferences: the comparison fails for a row
// that differs, a row missing and a row too many.
func TestCopyVerificationCatchesDifferences(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, t.TempDir())
	for _, name := range []string{"a", "b"} {
		if _, err := db.InitSetting(ctx, name, []byte(name)); err != nil {
			t.Fatal(err)
		}
	}
	var settings table
	for _, tb := range tables {
		if tb.name == "settings" {
			settings = tb
		}
	}
	hashes := func() map[string][sha256.Size]byte {
		out := map[string][sha256.Size]byte{}
		for _, name := range []string{"a", "b"} {
			_, sum, err := rowHash(settings, []any{name, []byte(name), int64(12345)})
			if err != nil {
				t.Fatal(err)
			}
			out[name] = sum
		}
		return out
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	// Stamp both rows with one time, so the hashes above match them.
	if _, err := tx.ExecContext(ctx, `UPDATE settings SET updated_at = 12345`); err != nil {
		t.Fatal(err)
	}
	if n, err := verifyTable(ctx, tx, settings, hashes(), nil); err != nil || n != 2 {
		t.Fatalf("verifying an equal table = %d, %v", n, err)
	}
	differs := hashes()
	differs["b"] = sha256.Sum256([]byte("something else"))
	missing := hashes()
	missing["c"] = sha256.Sum256([]byte("c"))
	extra := hashes()
	delete(extra, "b")
	for name, want := range map[string]map[string][sha256.Size]byte{"a row differs": differs, "a row is missing": missing, "a row too many": extra} {
		if _, err := verifyTable(ctx, tx, settings, want, nil); err == nil {
			t.Errorf("%s: verification passed", name)
		}
	}
}
