package textnorm

import "strings"

// maxAddress is the longest chunk read as an address.
const maxAddress = 200

// web reads a URL, domain name or e-mail address that starts at i, the
// start of a whitespace-delimited chunk, and returns its end; i if there is
// none. A listener cannot use "h t t p s colon slash slash", a query string
// or a fragment, so the scheme, "www." and everything from '?' or '#' are
// dropped; the rest is read with "dot", "slash", "at" and friends.
func (e *enPass) web(i int) int {
	s := e.s
	if !isAlnum(s[i]) {
		return i
	}
	// The bound on the scan keeps the pass linear on long runs without
	// spaces; nobody reads out a longer address anyway.
	rest := s[i:min(len(s), i+maxAddress+1)]
	end := strings.IndexByte(rest, ' ')
	if end < 0 {
		if len(rest) > maxAddress {
			return i
		}
		end = len(rest)
	}
	if strings.IndexByte(rest[:end], '.') < 0 && strings.IndexByte(rest[:end], '@') < 0 {
		return i
	}
	end += i
	// Sentence punctuation after the address is not part of it.
	for end > i && strings.IndexByte(".,;:!?)\"'", s[end-1]) >= 0 {
		end--
	}
	chunk := s[i:end]
	if len(chunk) < 4 || !strings.ContainsAny(chunk, ".@") {
		return i
	}
	body, url := chunk, false
	for _, scheme := range [...]string{"https://", "http://", "ftp://"} {
		if hasPrefixFold(body, scheme) {
			body, url = body[len(scheme):], true
			break
		}
	}
	if hasPrefixFold(body, "www.") {
		body, url = body[len("www."):], true
	}
	if cut := strings.IndexAny(body, "?#"); cut >= 0 && url {
		body = body[:cut]
	}
	body = strings.TrimRight(body, "/")
	switch {
	case url && body != "":
	case isEmail(body):
	case isDomain(body):
	default:
		return i
	}
	w := e.scratch()
	for k := 0; k < len(body); {
		c := body[k]
		switch {
		case isDigit(c):
			w = appendWord(w, enOnes[c-'0'])
			k++
		case letterAt(body, k):
			k2 := wordEnd(body, k)
			w = appendWord(w, body[k:k2])
			k = k2
		default:
			if name, ok := enURLSymbols[c]; ok {
				w = appendWord(w, name)
			}
			k++
		}
	}
	e.done(w)
	e.resetContext()
	return end
}

// isEmail reports local@domain with a known top-level domain.
func isEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	if at <= 0 || strings.IndexByte(s[at+1:], '@') >= 0 {
		return false
	}
	for i := 0; i < at; i++ {
		c := s[i]
		if !isAlnum(c) && strings.IndexByte("._%+-", c) < 0 {
			return false
		}
	}
	return isDomain(s[at+1:])
}

// isDomain reports host names such as "example.com" or "docs.python.org/3/":
// dot-separated labels of letters, digits and hyphens ending in a known,
// lower-case top-level domain, optionally followed by a path.
func isDomain(s string) bool {
	host := s
	if slash := strings.IndexByte(s, '/'); slash >= 0 {
		host = s[:slash]
	}
	if colon := strings.IndexByte(host, ':'); colon >= 0 {
		host = host[:colon]
	}
	dot := strings.LastIndexByte(host, '.')
	if dot <= 0 || !enTLDs[host[dot+1:]] {
		return false
	}
	letters := false
	for i := 0; i < len(host); i++ {
		c := host[i]
		switch {
		case isASCIILetter(c):
			letters = true
		case isDigit(c), c == '-':
		case c == '.':
			if i == 0 || host[i-1] == '.' {
				return false
			}
		default:
			return false
		}
	}
	return letters
}
