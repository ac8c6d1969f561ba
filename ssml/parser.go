package ssml

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

type state uint8

const (
	inText    state = iota
	inTag           // after "<", until the ">" that ends the tag
	inEntity        // after "&", until ";"
	inComment       // inside <!-- ... -->
	inPI            // inside <? ... ?>
)

// maxEntity bounds an entity's name: "#x10FFFF" is the longest that is
// valid.
const maxEntity = 10

// frame is one open element.
type frame struct {
	name    string
	offset  int // where its start tag began
	prosody prosody
	atom    bool // say-as, sub, phoneme: text only, held until the end tag
	empty   bool // break: nothing inside
	mark    Mark // an atom's mark, completed at its end tag
}

// Parser reads one generation's SSML as it streams in, fragment by
// fragment, and turns it into plain text and Marks. Fragments may split
// anything: a tag, an attribute, an entity, a UTF-8 sequence. A Parser is
// not safe for concurrent use.
type Parser struct {
	cfg   Config
	st    pstate
	saved pstate // st before the Push in progress
}

// pstate is everything Push may have to roll back.
type pstate struct {
	state   state
	buf     []rune // the construct in progress, after its "<" or "&"
	quote   rune   // the quote open in a tag, or 0
	at      int    // where the construct in progress began
	tail    [2]rune
	stack   []frame
	content []rune // the open atom's text
	raw     int    // code points of markup read
	plain   int    // code points of plain text made
	held    int    // where the input still held began, or -1
	started bool   // anything but white space, comments, <?...?> and <speak> seen
	speak   uint8  // 0: no <speak>; 1: open; 2: closed
	space   bool   // the last plain code point is white space, or there is none
	style   Style  // in force now
	marked  Style  // of the last KindStyle mark: a change is marked when text follows
	utf     []byte // an incomplete UTF-8 sequence that ended the last fragment
}

// copyInto makes dst a copy of s, reusing dst's arrays, so that saving the
// state before each Push allocates nothing once they have grown.
func (s pstate) copyInto(dst *pstate) {
	buf, stack, content, utf := dst.buf[:0], dst.stack[:0], dst.content[:0], dst.utf[:0]
	*dst = s
	dst.buf = append(buf, s.buf...)
	dst.stack = append(stack, s.stack...)
	dst.content = append(content, s.content...)
	dst.utf = append(utf, s.utf...)
}

// NewParser returns a Parser for cfg.
func NewParser(cfg Config) (*Parser, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := &Parser{cfg: cfg}
	p.Reset()
	return p, nil
}

// Reset forgets the generation, as at the start of a new one.
func (p *Parser) Reset() {
	p.st = pstate{held: -1, space: true, buf: p.st.buf[:0], content: p.st.content[:0], stack: p.st.stack[:0]}
}

// Pending is the markup read but not yet turned into output, in code
// points: an unfinished tag or entity, or an atom waiting for its end tag.
func (p *Parser) Pending() int {
	if p.st.held < 0 {
		return 0
	}
	return p.st.raw - p.st.held
}

// Read is the code points of markup read since the generation began.
func (p *Parser) Read() int { return p.st.raw }

// builder collects one call's output.
type builder struct {
	text  strings.Builder
	marks []Mark
	syncs []sync
}

func (b *builder) output() Output {
	return Output{Text: b.text.String(), Marks: b.marks, syncs: b.syncs}
}

func (b *builder) sync(plain, raw int) {
	if n := len(b.syncs); n > 0 && b.syncs[n-1].plain == plain {
		b.syncs[n-1].raw = raw
		return
	}
	b.syncs = append(b.syncs, sync{plain, raw})
}

// Push reads the next fragment of markup. On error nothing of the fragment
// is taken: the Parser is as it was before the call, so the client may
// send a corrected fragment. Every error is an *Error.
func (p *Parser) Push(fragment string) (Output, error) {
	p.st.copyInto(&p.saved)
	var b builder
	data := fragment
	if len(p.st.utf) > 0 {
		data = string(p.st.utf) + fragment
		p.st.utf = p.st.utf[:0]
	}
	for len(data) > 0 {
		r, n := utf8.DecodeRuneInString(data)
		if r == utf8.RuneError && n <= 1 && !utf8.FullRuneInString(data) {
			p.st.utf = append(p.st.utf, data...)
			break
		}
		if err := p.step(r, &b); err != nil {
			p.saved.copyInto(&p.st)
			return Output{}, err
		}
		data = data[n:]
	}
	return b.output(), nil
}

// End ends the generation: whatever is unfinished (a tag, an entity, an
// open element) is reported in the returned *Error, if any, but the
// Output is complete either way: unfinished constructs are dropped,
// elements left open are closed (an atom still speaks its text), so that
// nothing written as markup is ever spoken. The Parser is then ready for
// the next generation.
func (p *Parser) End() (Output, error) {
	var b builder
	var first *Error
	switch p.st.state {
	case inTag:
		first = errAt(p.st.at, "", "tag %q is not finished with \">\"", "<"+truncate(string(p.st.buf), 40))
	case inEntity:
		first = errAt(p.st.at, "", "entity %q is not finished with \";\"", "&"+string(p.st.buf))
	case inComment:
		first = errAt(p.st.at, "", "comment is not finished with \"-->\"")
	case inPI:
		first = errAt(p.st.at, "", "processing instruction is not finished with \"?>\"")
	}
	p.st.state = inText
	for len(p.st.stack) > 0 {
		top := p.st.stack[len(p.st.stack)-1]
		if first == nil {
			first = errAt(top.offset, "<"+top.name+">", "is not closed")
		}
		_ = p.end(top.name, p.st.raw, &b) // closing the top element cannot fail
	}
	out := b.output()
	p.Reset()
	if first != nil {
		return out, first
	}
	return out, nil
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// step reads one code point.
func (p *Parser) step(r rune, b *builder) error {
	st := &p.st
	off := st.raw
	st.raw++
	switch st.state {
	case inText:
		switch r {
		case '<':
			p.open(inTag, off)
		case '&':
			p.open(inEntity, off)
		default:
			return p.text(r, b, false)
		}
	case inEntity:
		switch {
		case r == ';':
			dec, err := entity(st.buf, st.at)
			if err != nil {
				return err
			}
			st.state = inText
			if err := p.text(dec, b, true); err != nil {
				return err
			}
			p.settle(b)
		case len(st.buf) < maxEntity && (r == '#' || r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r))):
			st.buf = append(st.buf, r)
		default:
			return errAt(st.at, "", `"&" does not start an entity: write "&amp;" for an ampersand`)
		}
	case inTag:
		return p.tagRune(r, b)
	case inComment:
		if r == '>' && st.tail == [2]rune{'-', '-'} {
			st.state = inText
			p.settle(b)
			return nil
		}
		st.tail = [2]rune{st.tail[1], r}
	case inPI:
		if r == '>' && st.tail[1] == '?' {
			st.state = inText
			p.settle(b)
			return nil
		}
		st.tail = [2]rune{st.tail[1], r}
	}
	return nil
}

// open starts a tag or an entity at off.
func (p *Parser) open(s state, off int) {
	st := &p.st
	st.state, st.buf, st.quote, st.at = s, st.buf[:0], 0, off
	if st.held < 0 {
		st.held = off
	}
}

// settle notes that a construct has ended: the markup read so far has
// been turned into output, unless an atom is still open.
func (p *Parser) settle(b *builder) {
	st := &p.st
	if st.state == inText && !p.inAtom() {
		st.held = -1
	}
	b.sync(st.plain, st.raw)
}

func (p *Parser) inAtom() bool {
	n := len(p.st.stack)
	return n > 0 && p.st.stack[n-1].atom
}

// tagRune reads one code point of a tag.
func (p *Parser) tagRune(r rune, b *builder) error {
	st := &p.st
	if len(st.buf) == 0 && r != '/' && r != '!' && r != '?' && !(r < utf8.RuneSelf && isNameStart(byte(r))) {
		return errAt(st.at, "", `"<" does not start a tag: write "&lt;" for a less-than sign`)
	}
	switch {
	case st.quote != 0:
		if r == st.quote {
			st.quote = 0
		}
	case r == '"' || r == '\'':
		st.quote = r
	case r == '>':
		st.state = inText
		if err := p.tag(string(st.buf), st.at, b); err != nil {
			return err
		}
		p.settle(b)
		return nil
	case r == '<':
		return errAt(st.at, "", "tag %q is not finished with \">\" before the next \"<\"", "<"+truncate(string(st.buf), 40))
	}
	st.buf = append(st.buf, r)
	if len(st.buf) >= p.cfg.MaxTagChars {
		return errAt(st.at, "", "tag %q is longer than %d characters", "<"+truncate(string(st.buf), 40), p.cfg.MaxTagChars)
	}
	switch st.buf[0] {
	case '?':
		st.state, st.tail = inPI, [2]rune{}
	case '!':
		if len(st.buf) > 1 && st.buf[len(st.buf)-1] != '-' {
			return errAt(st.at, "", "only comments (<!-- ... -->) may start with \"<!\": DOCTYPE and CDATA are not supported")
		}
		if len(st.buf) == 3 {
			st.state, st.tail = inComment, [2]rune{}
		}
	}
	return nil
}

// text takes one code point of text; mapped says it did not come 1:1
// from the markup (an entity).
func (p *Parser) text(r rune, b *builder, mapped bool) error {
	st := &p.st
	if r == Placeholder {
		b.sync(st.plain, st.raw) // dropped: it would pass for an atom
		return nil
	}
	if p.inAtom() {
		top := st.stack[len(st.stack)-1]
		if len(st.content) >= p.cfg.MaxAtomChars {
			return errAt(top.offset, "<"+top.name+">", "holds more than %d characters of text", p.cfg.MaxAtomChars)
		}
		st.content = append(st.content, r)
		return nil
	}
	space := unicode.IsSpace(r)
	if n := len(st.stack); n > 0 && st.stack[n-1].empty && !space {
		top := st.stack[n-1]
		return errAt(top.offset, "<"+top.name+">", "must be empty: write <%s .../>", top.name)
	}
	if st.speak == 2 && !space {
		return errAt(st.raw-1, "</speak>", "text follows it: everything must be inside <speak>")
	}
	if !space {
		st.started = true
	}
	p.markStyle(b)
	b.text.WriteRune(r)
	st.plain++
	st.space = space
	if mapped {
		b.sync(st.plain, st.raw)
	}
	return nil
}

// space separates the words on either side of a break or a sentence.
func (p *Parser) space(b *builder) {
	st := &p.st
	if !st.space {
		p.markStyle(b)
		b.text.WriteByte(' ')
		st.plain++
		st.space = true
		b.sync(st.plain, st.raw)
	}
}

func (p *Parser) mark(b *builder, m Mark) {
	p.markStyle(b)
	m.Pos = p.st.plain
	b.marks = append(b.marks, m)
}

// restyle takes the style of the open elements. The change is marked only
// when something follows it, so that however the markup is split, a run
// of tags between two words gives one mark.
func (p *Parser) restyle() { p.st.style = style(p.st.stack) }

// markStyle marks the style in force, if it changed since the last mark.
func (p *Parser) markStyle(b *builder) {
	st := &p.st
	if st.style != st.marked {
		st.marked = st.style
		b.marks = append(b.marks, Mark{Kind: KindStyle, Pos: st.plain, Style: st.style})
	}
}

// attr is one attribute of a tag.
type attr struct{ name, value string }

// tag handles a whole tag: s is what came between "<" and ">".
func (p *Parser) tag(s string, off int, b *builder) error {
	if strings.HasPrefix(s, "/") {
		name, rest := tagName(s[1:])
		if name == "" || strings.TrimSpace(rest) != "" {
			return errAt(off, "", "end tag %q is malformed: write </name>", "<"+truncate(s, 40)+">")
		}
		return p.end(name, off, b)
	}
	self := strings.HasSuffix(s, "/")
	if self {
		s = s[:len(s)-1]
	}
	name, rest := tagName(s)
	if name == "" {
		return errAt(off, "", "tag %q has no element name", "<"+truncate(s, 40)+">")
	}
	attrs, err := p.attrs(rest, "<"+name+">", off)
	if err != nil {
		return err
	}
	return p.start(name, attrs, self, off, b)
}

// tagName splits an element name (lower-cased: SSML's names are, and
// clients vary) from the rest of a tag.
func tagName(s string) (name, rest string) {
	i := 0
	for i < len(s) && isNameByte(s[i]) {
		i++
	}
	if i == 0 || !isNameStart(s[0]) {
		return "", s
	}
	return strings.ToLower(s[:i]), s[i:]
}

func isNameStart(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }

func isNameByte(c byte) bool {
	return isNameStart(c) || c >= '0' && c <= '9' || c == '-' || c == '.' || c == ':'
}

// attrs parses name="value" pairs.
func (p *Parser) attrs(s, tag string, off int) ([]attr, error) {
	var out []attr
	for {
		t := strings.TrimLeftFunc(s, unicode.IsSpace)
		if t == "" {
			return out, nil
		}
		if len(t) == len(s) {
			return nil, errAt(off, tag, "needs white space before %q", truncate(t, 20))
		}
		name, rest := tagName(t)
		if name == "" {
			return nil, errAt(off, tag, "%q is not an attribute", truncate(t, 20))
		}
		rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
		if !strings.HasPrefix(rest, "=") {
			return nil, errAt(off, tag, "attribute %s has no value: write %s=\"...\"", name, name)
		}
		rest = strings.TrimLeftFunc(rest[1:], unicode.IsSpace)
		if rest == "" || (rest[0] != '"' && rest[0] != '\'') {
			return nil, errAt(off, tag, "the value of %s must be in quotes", name)
		}
		q := rest[0]
		end := strings.IndexByte(rest[1:], q)
		if end < 0 {
			return nil, errAt(off, tag, "the value of %s has no closing quote", name)
		}
		value, err := attrValue(rest[1:1+end], off, tag, name)
		if err != nil {
			return nil, err
		}
		if utf8.RuneCountInString(value) > p.cfg.MaxAttrChars {
			return nil, errAt(off, tag, "the value of %s is longer than %d characters", name, p.cfg.MaxAttrChars)
		}
		for _, a := range out {
			if a.name == name {
				return nil, errAt(off, tag, "attribute %s is given twice", name)
			}
		}
		out = append(out, attr{name, value})
		s = rest[2+end:]
	}
}

// attrValue decodes the entities of an attribute value.
func attrValue(v string, off int, tag, name string) (string, error) {
	if strings.ContainsRune(v, '<') {
		return "", errAt(off, tag, "the value of %s contains \"<\": write &lt;", name)
	}
	if !strings.ContainsRune(v, '&') {
		return strings.TrimSpace(v), nil
	}
	var out strings.Builder
	for v != "" {
		i := strings.IndexByte(v, '&')
		if i < 0 {
			out.WriteString(v)
			break
		}
		out.WriteString(v[:i])
		j := strings.IndexByte(v[i:], ';')
		if j < 0 || j > maxEntity+1 {
			return "", errAt(off, tag, `the value of %s has an "&" that does not start an entity: write "&amp;"`, name)
		}
		r, err := entity([]rune(v[i+1:i+j]), off)
		if err != nil {
			return "", errAt(off, tag, "the value of %s: %s", name, err.(*Error).Msg)
		}
		out.WriteRune(r)
		v = v[i+j+1:]
	}
	return strings.TrimSpace(out.String()), nil
}

// entity decodes an entity's name (what came between "&" and ";").
func entity(name []rune, off int) (rune, error) {
	switch s := string(name); s {
	case "amp":
		return '&', nil
	case "lt":
		return '<', nil
	case "gt":
		return '>', nil
	case "quot":
		return '"', nil
	case "apos":
		return '\'', nil
	}
	s := string(name)
	if strings.HasPrefix(s, "#") {
		var v uint64
		var err error
		if strings.HasPrefix(s, "#x") {
			v, err = strconv.ParseUint(s[2:], 16, 32)
		} else {
			v, err = strconv.ParseUint(s[1:], 10, 32)
		}
		r := rune(v)
		if err == nil && xmlChar(r) {
			return r, nil
		}
		return 0, errAt(off, "", "character reference %q is not a character XML allows", "&"+s+";")
	}
	return 0, errAt(off, "", "unknown entity %q: SSML has only &amp; &lt; &gt; &quot; &apos; and numeric references (&#233;)", "&"+s+";")
}

// xmlChar reports whether XML 1.0 allows r in a document.
func xmlChar(r rune) bool {
	return r == 0x9 || r == 0xA || r == 0xD || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// allowed lists each element's attributes. Other attributes are errors, so
// that a misspelt one ("interpret_as") is not silently ignored.
var allowed = map[string][]string{
	"speak":    {"version", "xml:lang", "xml:base"},
	"break":    {"time", "strength"},
	"say-as":   {"interpret-as", "format", "detail"},
	"sub":      {"alias"},
	"phoneme":  {"alphabet", "ph"},
	"prosody":  {"rate", "pitch", "volume"},
	"emphasis": {"level"},
	"p":        {"xml:lang"},
	"s":        {"xml:lang"},
	"lang":     {"xml:lang"},
}

// sayAsKinds are the interpret-as values and the formats each accepts
// ("" is always accepted; nil accepts any format).
var sayAsKinds = map[string][]string{
	"characters": {"characters", "glyphs"},
	"spell-out":  {},
	"cardinal":   nil,
	"ordinal":    nil,
	"digits":     nil,
	"date":       {"mdy", "dmy", "ymd", "md", "dm", "ym", "my", "d", "m", "y"},
	"time":       {"hms12", "hms24"},
	"telephone":  nil,
}

// SayAsKinds lists the interpret-as values, sorted.
func SayAsKinds() []string {
	var out []string
	for k := range sayAsKinds {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// inline elements may hold text and each other, but not <p> or <s>.
var inline = map[string]bool{"prosody": true, "emphasis": true, "lang": true}

// start handles a start tag (or an empty-element tag, self).
func (p *Parser) start(name string, attrs []attr, self bool, off int, b *builder) error {
	st := &p.st
	tag := "<" + name + ">"
	if p.inAtom() {
		top := st.stack[len(st.stack)-1]
		return errAt(off, tag, "is inside <%s> (opened at offset %d), which may contain only text", top.name, top.offset)
	}
	if n := len(st.stack); n > 0 && st.stack[n-1].empty {
		return errAt(off, tag, "is inside <break>, which must be empty")
	}
	if st.speak == 2 {
		return errAt(off, tag, "comes after </speak>: everything must be inside <speak>")
	}
	if len(st.stack) >= p.cfg.MaxDepth {
		return errAt(off, tag, "nests deeper than %d elements", p.cfg.MaxDepth)
	}
	names, known := allowed[name]
	if !known {
		return errAt(off, tag, "is not supported: use speak, break, say-as, sub, phoneme, prosody, emphasis, p, s or lang")
	}
	get := map[string]string{}
	for _, a := range attrs {
		switch {
		case slices.Contains(names, a.name):
			get[a.name] = a.value
		case name == "speak" && (strings.HasPrefix(a.name, "xmlns") || strings.HasPrefix(a.name, "xsi:")):
		default:
			return errAt(off, tag, "has no attribute %q: it takes %s", a.name, strings.Join(names, ", "))
		}
	}
	f := frame{name: name, offset: off}
	if l, ok := get["xml:lang"]; ok {
		lang, err := ParseLanguageTag(l)
		if err != nil {
			return errAt(off, tag, "%v", err)
		}
		f.prosody.lang = lang
	} else if name == "lang" {
		return errAt(off, tag, "needs xml:lang, e.g. <lang xml:lang=\"fr-FR\">")
	}
	var err error
	switch name {
	case "speak":
		if st.started || st.speak != 0 || len(st.stack) > 0 {
			return errAt(off, tag, "must come first and enclose everything")
		}
		st.speak = 1
	case "break":
		d := breakStrengths["medium"]
		if v, ok := get["strength"]; ok {
			if d, ok = breakStrengths[v]; !ok {
				return errAt(off, tag, "strength %q is not none, x-weak, weak, medium, strong or x-strong", v)
			}
		}
		if v, ok := get["time"]; ok {
			if d, err = parseBreak(v, p.cfg.MaxBreak); err != nil {
				return errAt(off, tag, "%v", err)
			}
		}
		p.mark(b, Mark{Kind: KindBreak, Offset: off, Break: d})
		p.space(b)
		f.empty = true
	case "say-as":
		kind, ok := get["interpret-as"]
		formats, known := sayAsKinds[kind]
		switch {
		case !ok:
			return errAt(off, tag, "needs interpret-as: one of %s", strings.Join(SayAsKinds(), ", "))
		case !known:
			return errAt(off, tag, "interpret-as %q is not one of %s", kind, strings.Join(SayAsKinds(), ", "))
		}
		format := get["format"]
		if format != "" && formats != nil && !slices.Contains(formats, format) {
			if len(formats) == 0 {
				return errAt(off, tag, "interpret-as %q takes no format", kind)
			}
			return errAt(off, tag, "format %q for %s is not one of %s", format, kind, strings.Join(formats, ", "))
		}
		f.atom, f.mark = true, Mark{Kind: KindSayAs, Offset: off, InterpretAs: kind, Format: format}
	case "sub":
		alias, ok := get["alias"]
		if !ok {
			return errAt(off, tag, "needs alias: the text to speak instead")
		}
		f.atom, f.mark = true, Mark{Kind: KindSub, Offset: off, Alias: alias}
	case "phoneme":
		if a, ok := get["alphabet"]; ok && !strings.EqualFold(a, "ipa") {
			return errAt(off, tag, "alphabet %q is not supported: use ipa", a)
		}
		ph := get["ph"]
		if ph == "" {
			return errAt(off, tag, "needs ph: the pronunciation in IPA")
		}
		if strings.IndexFunc(ph, unicode.IsControl) >= 0 {
			return errAt(off, tag, "ph contains a control character")
		}
		f.atom, f.mark = true, Mark{Kind: KindPhoneme, Offset: off, IPA: ph}
	case "prosody":
		if v, ok := get["rate"]; ok {
			if f.prosody.rate, err = parseRate(v); err != nil {
				return errAt(off, tag, "%v", err)
			}
		}
		if v, ok := get["pitch"]; ok {
			if f.prosody.pitch, err = parsePitch(v); err != nil {
				return errAt(off, tag, "%v", err)
			}
		}
		if v, ok := get["volume"]; ok {
			if f.prosody.volume, f.prosody.silent, err = parseVolume(v); err != nil {
				return errAt(off, tag, "%v", err)
			}
		}
	case "emphasis":
		level := "moderate"
		if v, ok := get["level"]; ok {
			level = v
		}
		if _, ok := emphasisLevels[level]; !ok {
			return errAt(off, tag, "level %q is not strong, moderate, reduced or none", level)
		}
		f.prosody.emphasis = level
	case "p", "s":
		for _, o := range st.stack {
			if o.name == "s" || inline[o.name] || (name == "p" && o.name == "p") {
				return errAt(off, tag, "cannot be inside <%s> (opened at offset %d)", o.name, o.offset)
			}
		}
		p.mark(b, Mark{Kind: KindBoundary, Offset: off, Paragraph: name == "p"})
		p.space(b)
	}
	if name != "speak" {
		st.started = true
	}
	st.stack = append(st.stack, f)
	if f.atom {
		st.content = st.content[:0]
	}
	p.restyle()
	if self {
		return p.end(name, off, b)
	}
	return nil
}

// end handles an end tag.
func (p *Parser) end(name string, off int, b *builder) error {
	st := &p.st
	tag := "</" + name + ">"
	n := len(st.stack)
	if n == 0 {
		return errAt(off, tag, "closes nothing: no <%s> is open", name)
	}
	top := st.stack[n-1]
	if top.name != name {
		return errAt(off, tag, "does not close <%s> (opened at offset %d): close it first", top.name, top.offset)
	}
	st.stack = st.stack[:n-1]
	switch {
	case top.atom:
		m := top.mark
		m.Text = strings.TrimSpace(string(st.content))
		st.content = st.content[:0]
		p.mark(b, m)
		b.text.WriteRune(Placeholder)
		st.plain++
		st.space = false
		b.sync(st.plain, st.raw)
	case name == "p" || name == "s":
		p.mark(b, Mark{Kind: KindBoundary, Offset: off, Paragraph: name == "p"})
		p.space(b)
	case name == "speak":
		st.speak = 2
	}
	p.restyle()
	return nil
}

// String renders a Mark for tests and logs.
func (m Mark) String() string {
	switch m.Kind {
	case KindBreak:
		return fmt.Sprintf("@%d break %v", m.Pos, m.Break)
	case KindStyle:
		s := m.Style
		return fmt.Sprintf("@%d style rate=%.3g pitch=%+.3gst volume=%+.3gdB silent=%t emphasis=%q lang=%q",
			m.Pos, s.RateFactor(), s.Pitch, s.Volume, s.Silent, s.Emphasis, s.Lang)
	case KindBoundary:
		if m.Paragraph {
			return fmt.Sprintf("@%d paragraph", m.Pos)
		}
		return fmt.Sprintf("@%d sentence", m.Pos)
	case KindSayAs:
		return fmt.Sprintf("@%d say-as %s format=%q %q", m.Pos, m.InterpretAs, m.Format, m.Text)
	case KindSub:
		return fmt.Sprintf("@%d sub alias=%q %q", m.Pos, m.Alias, m.Text)
	case KindPhoneme:
		return fmt.Sprintf("@%d phoneme ipa=%q %q", m.Pos, m.IPA, m.Text)
	}
	return fmt.Sprintf("@%d ?", m.Pos)
}
