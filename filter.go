package scim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Filter is a parsed SCIM filter (RFC 7644 §3.4.2.2). Its concrete types are
// [*AttrExpr], [*LogicalExpr], [*NotExpr] and [*ValuePathExpr]; a store may walk the
// tree to push the filter down to its query language. String returns the
// canonical filter text, which parses back to an equal tree.
type Filter interface {
	String() string
	filterNode()
}

// CompareOp is a filter comparison operator, lower case.
type CompareOp string

// The comparison operators of RFC 7644 §3.4.2.2, Table 3.
const (
	OpEqual          CompareOp = "eq"
	OpNotEqual       CompareOp = "ne"
	OpContains       CompareOp = "co"
	OpStartsWith     CompareOp = "sw"
	OpEndsWith       CompareOp = "ew"
	OpGreater        CompareOp = "gt"
	OpGreaterOrEqual CompareOp = "ge"
	OpLess           CompareOp = "lt"
	OpLessOrEqual    CompareOp = "le"
	OpPresent        CompareOp = "pr"
)

var compareOps = map[string]CompareOp{
	"eq": OpEqual, "ne": OpNotEqual, "co": OpContains, "sw": OpStartsWith, "ew": OpEndsWith,
	"gt": OpGreater, "ge": OpGreaterOrEqual, "lt": OpLess, "le": OpLessOrEqual, "pr": OpPresent,
}

// AttrPath names an attribute in a filter, PATCH path or sortBy:
// [URN ":"] Name ["." Sub]. Attr and SubAttr are nil in what the parsers
// return; the model sets them when it resolves a filter (in a copy: the
// [Query.Filter] a [Store] receives has them) or a path.
type AttrPath struct {
	URN  string // schema URN as written, or "" for the core schema
	Name string
	Sub  string

	Attr    *Attribute // resolved top-level (or, inside a value path, sub-) attribute
	SubAttr *Attribute // resolved sub-attribute, when Sub is set
}

func (p AttrPath) String() string {
	var b strings.Builder
	if p.URN != "" {
		b.WriteString(p.URN)
		b.WriteByte(':')
	}
	b.WriteString(p.Name)
	if p.Sub != "" {
		b.WriteByte('.')
		b.WriteString(p.Sub)
	}
	return b.String()
}

// AttrExpr compares an attribute with a value, or tests presence ([OpPresent],
// Value nil). Value is nil (JSON null), bool, string or json.Number.
type AttrExpr struct {
	Path  AttrPath
	Op    CompareOp
	Value any
}

// LogicalExpr joins two filters with "and" or "or".
type LogicalExpr struct {
	Op          string // "and" or "or"
	Left, Right Filter
}

// NotExpr negates a filter.
type NotExpr struct {
	Filter Filter
}

// ValuePathExpr filters the elements of a multi-valued complex attribute:
// emails[type eq "work" and value co "@example.com"]. Paths inside [Filter]
// name sub-attributes of Path.
type ValuePathExpr struct {
	Path   AttrPath
	Filter Filter
}

func (*AttrExpr) filterNode()      {}
func (*LogicalExpr) filterNode()   {}
func (*NotExpr) filterNode()       {}
func (*ValuePathExpr) filterNode() {}

func (e *AttrExpr) String() string {
	if e.Op == OpPresent {
		return e.Path.String() + " pr"
	}
	return e.Path.String() + " " + string(e.Op) + " " + formatValue(e.Value)
}

func formatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		return x.String()
	case string:
		return jsonString(x)
	}
	return fmt.Sprint(v)
}

// jsonString renders s as a JSON string literal. Unlike json.Marshal it
// leaves "<", ">", "&" and non-ASCII text as they are, so the canonical text
// stays readable and no longer than needed. Invalid UTF-8 (possible only in
// hand-built trees) becomes U+FFFD, as encoding/json does.
func jsonString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b.WriteString(`\ufffd`)
			} else {
				b.WriteString(s[i : i+size])
			}
			i += size - 1
			continue
		}
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20:
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func (e *LogicalExpr) String() string {
	return wrap(e.Left, e.Op, false) + " " + e.Op + " " + wrap(e.Right, e.Op, true)
}

// wrap parenthesises an operand of a [LogicalExpr] where the parser would
// otherwise build another tree: an "or" under an "and" (precedence), and a
// right operand with the parent's operator (the parser nests chains to the
// left: "a and b and c" is (a and b) and c).
func wrap(f Filter, parent string, right bool) string {
	if l, ok := f.(*LogicalExpr); ok && (l.Op == "or" && parent == "and" || right && l.Op == parent) {
		return "(" + l.String() + ")"
	}
	return f.String()
}

func (e *NotExpr) String() string { return "not (" + e.Filter.String() + ")" }

func (e *ValuePathExpr) String() string {
	return e.Path.String() + "[" + e.Filter.String() + "]"
}

// Parser limits: a filter longer or deeper than these is refused with 400
// invalidFilter rather than risk the stack or the CPU.
const (
	MaxFilterLength = 4096
	MaxFilterDepth  = 50
)

// ParseFilter parses a filter expression (RFC 7644 §3.4.2.2). Operators,
// "and", "or", "not", true, false and null are case-insensitive; "not"
// binds tighter than "and", which binds tighter than "or". Literals are
// JSON: strings with JSON escapes, numbers (integers, decimals, exponents),
// true, false and null.
//
// Besides the RFC grammar [ParseFilter] accepts, on purpose, two forms real
// clients send:
//
//   - Entra's `emails[type eq "work"].value eq "x"`, a value path followed
//     by a sub-attribute comparison, read as
//     `emails[type eq "work" and value eq "x"]` (String prints that form).
//   - Unquoted values, as Entra and some Okta flows send them
//     (`externalId eq jyoung`, `userName sw O`,
//     `meta.created gt 2015-10-10T14:38:21.8617979-07:00`): a bare word
//     that is not true, false, null or a JSON number is a string.
//
// Errors are *Error with status 400 and scimType invalidFilter; syntax
// errors name the 1-based byte position and what was expected there.
// Filters longer than [MaxFilterLength] bytes or nested deeper than
// [MaxFilterDepth] levels (parentheses, "not" and value paths) are refused.
//
// ParseFilter only parses: attribute names are resolved, and checked,
// by [Model.NewQuery] and [Model.CompileFilter], which leave the
// parsed [Filter] as it is. A name is letters, digits, "_", "-" and "$",
// so a Peakon custom attribute whose display name has spaces is named by
// an alias ("urn:ietf:params:scim:schemas:extension:peakon:2.0:User:Employed_Since").
func ParseFilter(s string) (Filter, error) {
	if len(s) > MaxFilterLength {
		return nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidFilter, "filter: the filter is %d bytes long; at most %d are accepted", len(s), MaxFilterLength)
	}
	if !utf8.ValidString(s) {
		return nil, Errorf(http.StatusBadRequest, SCIMTypeInvalidFilter, "filter: the filter is not valid UTF-8")
	}
	if e, ok := parseComparisonOnly(s); ok {
		return e, nil
	}
	return parseFilter(s)
}

// parseFilter parses a filter ParseFilter has checked the length and
// encoding of.
func parseFilter(s string) (Filter, error) {
	p := &parser{src: s}
	p.next()
	f, err := p.parseOr(0)
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tokEOF {
		return nil, p.errorf("expected \"and\", \"or\" or the end of the filter")
	}
	return f, nil
}

// parseComparisonOnly parses, without the tokenizer, the filter identity
// providers send before every create: one comparison of an attribute with
// a string written without escapes, separated by single spaces, as in
// userName eq "bjensen@example.com". It returns the tree parseFilter
// returns, or false for any other text, which parseFilter then reads
// (FuzzParseComparisonOnly checks the two agree).
func parseComparisonOnly(s string) (*AttrExpr, bool) {
	word, rest, ok := strings.Cut(s, " ")
	if !ok || !plainWord(word) || strings.EqualFold(word, "not") {
		return nil, false
	}
	path, ok := splitPath(word)
	if !ok {
		return nil, false
	}
	opWord, lit, ok := strings.Cut(rest, " ")
	if !ok || !plainWord(opWord) {
		return nil, false
	}
	op, ok := compareOps[opWord]
	if !ok {
		op, ok = compareOps[strings.ToLower(opWord)]
	}
	if !ok || op == OpPresent || len(lit) < 2 || lit[0] != '"' || lit[len(lit)-1] != '"' {
		return nil, false
	}
	lit = lit[1 : len(lit)-1]
	for i := 0; i < len(lit); i++ {
		if c := lit[i]; c == '"' || c == '\\' || c < 0x20 {
			return nil, false
		}
	}
	return &AttrExpr{Path: path, Op: op, Value: lit}, true
}

// plainWord reports whether the tokenizer would read w, non-empty, as one
// word: no space, bracket, parenthesis or quote.
func plainWord(w string) bool {
	if w == "" {
		return false
	}
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case isSpace(c), punctuation[c] != 0, c == '"':
			return false
		}
	}
	return true
}

type tokKind int

const (
	tokEOF tokKind = iota
	tokWord
	tokString
	tokLParen
	tokRParen
	tokLBracket
	tokRBracket
	tokBad
)

// punctuation is the kind of each one-character token.
var punctuation = [256]tokKind{'(': tokLParen, ')': tokRParen, '[': tokLBracket, ']': tokRBracket}

type token struct {
	kind tokKind
	text string // the word, or the decoded string value
	pos  int
	raw  string
}

type parser struct {
	src string
	pos int
	tok token
}

func (p *parser) errorf(format string, args ...any) *Error {
	found := "the end of the filter"
	if p.tok.kind != tokEOF {
		raw := p.tok.raw
		if len(raw) > 40 { // an unterminated string runs to the end
			raw = strings.ToValidUTF8(raw[:40], "") + "..."
		}
		found = strconv.Quote(raw)
	}
	return Errorf(http.StatusBadRequest, SCIMTypeInvalidFilter, "filter: at position %d: %s, found %s", p.tok.pos+1, fmt.Sprintf(format, args...), found)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (p *parser) next() {
	for p.pos < len(p.src) && isSpace(p.src[p.pos]) {
		p.pos++
	}
	start := p.pos
	if p.pos >= len(p.src) {
		p.tok = token{kind: tokEOF, pos: start}
		return
	}
	c := p.src[p.pos]
	switch c {
	case '(', ')', '[', ']':
		p.pos++
		p.tok = token{kind: punctuation[c], pos: start, raw: p.src[start:p.pos]}
		return
	case '"':
		end := p.pos + 1
		for end < len(p.src) && p.src[end] != '"' {
			if p.src[end] == '\\' {
				end++
			}
			end++
		}
		if end >= len(p.src) {
			p.tok = token{kind: tokBad, pos: start, raw: p.src[start:]}
			p.pos = len(p.src)
			return
		}
		raw := p.src[start : end+1]
		p.pos = end + 1
		v, ok := unquote(raw)
		if !ok {
			p.tok = token{kind: tokBad, pos: start, raw: raw}
			return
		}
		p.tok = token{kind: tokString, text: v, pos: start, raw: raw}
		return
	}
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if isSpace(c) || c == '(' || c == ')' || c == '[' || c == ']' || c == '"' {
			break
		}
		p.pos++
	}
	w := p.src[start:p.pos]
	p.tok = token{kind: tokWord, text: w, pos: start, raw: w}
}

func (p *parser) isKeyword(k string) bool {
	return p.tok.kind == tokWord && strings.EqualFold(p.tok.text, k)
}

func (p *parser) parseOr(depth int) (Filter, error) {
	return p.parseLogical(depth, "or", p.parseAnd)
}

func (p *parser) parseAnd(depth int) (Filter, error) {
	return p.parseLogical(depth, "and", p.parseUnary)
}

// parseLogical parses operands joined by the keyword op, grouping to the
// left ("a or b or c" is (a or b) or c).
func (p *parser) parseLogical(depth int, op string, operand func(depth int) (Filter, error)) (Filter, error) {
	left, err := operand(depth)
	if err != nil {
		return nil, err
	}
	for p.isKeyword(op) {
		p.next()
		right, err := operand(depth)
		if err != nil {
			return nil, err
		}
		left = &LogicalExpr{Op: op, Left: left, Right: right}
	}
	return left, nil
}

// descend checks that a "(", "not (" or "[" at the current token may open
// another level below depth.
func (p *parser) descend(depth int) error {
	if depth >= MaxFilterDepth {
		return Errorf(http.StatusBadRequest, SCIMTypeInvalidFilter, "filter: at position %d: nested more than %d levels deep", p.tok.pos+1, MaxFilterDepth)
	}
	return nil
}

// parseEnclosed parses the filter after the "(" or "[" at the current
// token, one level below depth, up to the closing token, which it leaves
// current. The caller has checked the depth (descend).
func (p *parser) parseEnclosed(depth int, closing tokKind) (Filter, error) {
	p.next()
	f, err := p.parseOr(depth + 1)
	if err != nil {
		return nil, err
	}
	if p.tok.kind != closing {
		if closing == tokRBracket {
			return nil, p.errorf("expected \"]\"")
		}
		return nil, p.errorf("expected \")\"")
	}
	return f, nil
}

func (p *parser) parseUnary(depth int) (Filter, error) {
	switch {
	case p.tok.kind == tokLParen:
		if err := p.descend(depth); err != nil {
			return nil, err
		}
		f, err := p.parseEnclosed(depth, tokRParen)
		if err != nil {
			return nil, err
		}
		p.next()
		return f, nil
	case p.isKeyword("not"):
		if err := p.descend(depth); err != nil {
			return nil, err
		}
		p.next()
		if p.tok.kind != tokLParen {
			return nil, p.errorf("expected \"(\" after \"not\"")
		}
		f, err := p.parseEnclosed(depth, tokRParen)
		if err != nil {
			return nil, err
		}
		p.next()
		return &NotExpr{Filter: f}, nil
	case p.tok.kind == tokWord:
		return p.parseAttrExpr(depth)
	}
	if p.tok.kind == tokBad || p.tok.kind == tokString {
		return nil, p.errorf("expected an attribute name, \"(\" or \"not\" (a value must follow an attribute name and an operator)")
	}
	return nil, p.errorf("expected an attribute name, \"(\" or \"not\"")
}

func (p *parser) parseAttrExpr(depth int) (Filter, error) {
	path, err := p.parsePath()
	if err != nil {
		return nil, err
	}
	if p.tok.kind == tokLBracket {
		if path.Sub != "" {
			return nil, p.errorf("a value filter \"[\" must follow a top-level attribute, not a sub-attribute")
		}
		if err := p.descend(depth); err != nil {
			return nil, err
		}
		inner, err := p.parseEnclosed(depth, tokRBracket)
		if err != nil {
			return nil, err
		}
		// Entra's form: emails[type eq "work"].value eq "x". The "]" is
		// followed directly by ".sub".
		end := p.pos
		p.next()
		vp := &ValuePathExpr{Path: path, Filter: inner}
		if p.tok.kind == tokWord && p.tok.pos == end && strings.HasPrefix(p.tok.text, ".") {
			sub := p.tok.text[1:]
			if sub == "" || !validAttrName(sub) {
				return nil, p.errorf("expected a sub-attribute name after \"].\"")
			}
			p.next()
			cmp, err := p.parseComparison(AttrPath{Name: sub})
			if err != nil {
				return nil, err
			}
			vp.Filter = &LogicalExpr{Op: "and", Left: inner, Right: cmp}
		}
		return vp, nil
	}
	return p.parseComparison(path)
}

func (p *parser) parseComparison(path AttrPath) (*AttrExpr, error) {
	if p.tok.kind != tokWord {
		return nil, p.errorf("expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr) after %q", path.String())
	}
	op, ok := compareOps[strings.ToLower(p.tok.text)]
	if !ok {
		return nil, p.errorf("expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr) after %q", path.String())
	}
	p.next()
	if op == OpPresent {
		return &AttrExpr{Path: path, Op: op}, nil
	}
	var v any
	switch p.tok.kind {
	case tokString:
		v = p.tok.text
	case tokWord:
		w := p.tok.text
		switch {
		case strings.EqualFold(w, "true"):
			v = true
		case strings.EqualFold(w, "false"):
			v = false
		case strings.EqualFold(w, "null"):
			v = nil
		case isJSONNumber(w):
			v = json.Number(w)
		default:
			v = w // an unquoted value, as Entra and some Okta flows send
		}
	case tokBad:
		return nil, p.errorf("malformed string: unterminated, or with an invalid escape or a raw control character")
	default:
		return nil, p.errorf("expected a value after %q", string(op))
	}
	p.next()
	return &AttrExpr{Path: path, Op: op, Value: v}, nil
}

// unquote decodes a JSON string literal. The common literal without
// escapes is a substring of the filter; only escapes need encoding/json.
func unquote(raw string) (string, bool) {
	plain := true
	for i := 1; i < len(raw)-1; i++ {
		if c := raw[i]; c == '\\' || c < 0x20 {
			plain = false
			break
		}
	}
	if plain {
		return raw[1 : len(raw)-1], true
	}
	var v string
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return "", false
	}
	return v, true
}

// isJSONNumber reports whether s is a number in the JSON grammar
// (RFC 8259 §6): -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func isJSONNumber(s string) bool {
	i := 0
	digits := func() int {
		n := 0
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// parsePath splits the current word into [URN:]name[.sub].
func (p *parser) parsePath() (AttrPath, error) {
	w := p.tok.text
	path, ok := splitPath(w)
	if !ok {
		return AttrPath{}, p.errorf("expected an attribute name")
	}
	p.next()
	return path, nil
}

// splitPath splits "urn:...:User:manager.value" or "name.givenName".
func splitPath(w string) (AttrPath, bool) {
	var path AttrPath
	if len(w) > 4 && strings.EqualFold(w[:4], "urn:") {
		i := strings.LastIndexByte(w, ':')
		path.URN, w = w[:i], w[i+1:]
	}
	if i := strings.IndexByte(w, '.'); i >= 0 {
		path.Name, path.Sub = w[:i], w[i+1:]
		if path.Sub == "" || strings.ContainsAny(path.Sub, ".") {
			return path, false
		}
	} else {
		path.Name = w
	}
	if path.Name == "" || !validAttrName(path.Name) || path.Sub != "" && !validAttrName(path.Sub) {
		return path, false
	}
	return path, true
}

// validAttrName accepts ATTRNAME of RFC 7643 §2.1 ($ref included) plus "-"
// and "_" as Peakon aliases use them.
func validAttrName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '$') {
			return false
		}
	}
	return true
}
