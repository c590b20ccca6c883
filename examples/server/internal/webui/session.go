package webui

import (
	"container/list"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/scimkit/scim"
)

// cookieName is the session cookie's name.
const cookieName = "scimkit_session"

// sessionLife is how long a sign-in lasts, unless its token expires
// sooner.
const sessionLife = 12 * time.Hour

// Defaults of the limits in Config.
const (
	DefaultMaxSessions        = 10000
	DefaultMaxCompanySessions = 50
	DefaultMaxStreams         = 256
	DefaultMaxCompanyStreams  = 16
	DefaultMaxSessionStreams  = 4
)

// sweepPerSignIn is how many of the oldest sessions each sign-in looks at
// to drop expired ones: the cost of sweeping is spread over sign-ins, a
// few sessions each, instead of a walk of every session at each one.
const sweepPerSignIn = 4

// sessions maps the random ids of session cookies to sessions. They live
// in memory: a restarted demo asks for the token again. Their number is
// bounded per company and in total, as are the event streams they open.
type sessions struct {
	maxTotal, maxCompany                         int
	maxStreams, maxCompanyStreams, maxPerSession int

	mu        sync.Mutex
	byID      map[string]*session
	all       list.List // every session, oldest first
	companies map[string]*companySessions
	streams   int // open event streams, all sessions together
}

// companySessions are one company's sessions, oldest first, and its open
// event streams.
type companySessions struct {
	list    list.List
	streams int
}

// session is a sign-in: a company, and the token it was made with, which
// must keep opening it (see UI.check).
type session struct {
	id, company string
	// token is the id of the token that opened the session, hash its hash:
	// the session ends with the token (revoked, expired, or its company
	// erased).
	token   string
	hash    [32]byte
	expires time.Time
	// done is closed when the session ends, which ends its event streams.
	done chan struct{}

	streams  int
	all, own *list.Element // in sessions.all and in its company's list
}

func newSessions(cfg *Config) *sessions {
	or := func(v, def int) int {
		if v > 0 {
			return v
		}
		return def
	}
	return &sessions{
		maxTotal:          or(cfg.MaxSessions, DefaultMaxSessions),
		maxCompany:        or(cfg.MaxCompanySessions, DefaultMaxCompanySessions),
		maxStreams:        or(cfg.MaxStreams, DefaultMaxStreams),
		maxCompanyStreams: or(cfg.MaxCompanyStreams, DefaultMaxCompanyStreams),
		maxPerSession:     or(cfg.MaxSessionStreams, DefaultMaxSessionStreams),
		byID:              make(map[string]*session),
		companies:         make(map[string]*companySessions),
	}
}

// get returns the session with the id unless it has expired.
func (s *sessions) get(id string, now time.Time) (*session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	se, ok := s.byID[id]
	if !ok {
		return nil, false
	}
	if !now.Before(se.expires) {
		s.remove(se)
		return nil, false
	}
	return se, true
}

// start adds a session for the company, opened with the token (its id
// and hash), until expires. Past the company's limit its oldest session
// ends, past the total limit the oldest of all.
func (s *sessions) start(company, token string, hash [32]byte, expires, now time.Time) *session {
	se := &session{id: rand.Text(), company: company, token: token, hash: hash, expires: expires, done: make(chan struct{})}
	s.mu.Lock()
	defer s.mu.Unlock()
	for range sweepPerSignIn {
		oldest := s.all.Front()
		if oldest == nil || now.Before(oldest.Value.(*session).expires) {
			break
		}
		s.remove(oldest.Value.(*session))
	}
	c := s.companies[company]
	if c == nil {
		c = &companySessions{}
		s.companies[company] = c
	}
	for c.list.Len() >= s.maxCompany {
		s.remove(c.list.Front().Value.(*session))
	}
	for len(s.byID) >= s.maxTotal {
		s.remove(s.all.Front().Value.(*session))
	}
	se.all = s.all.PushBack(se)
	se.own = c.list.PushBack(se)
	s.byID[se.id] = se
	return se
}

// remove ends a session; s.mu is held.
func (s *sessions) remove(se *session) {
	if s.byID[se.id] != se {
		return // already ended
	}
	delete(s.byID, se.id)
	s.all.Remove(se.all)
	c := s.companies[se.company]
	c.list.Remove(se.own)
	if c.list.Len() == 0 && c.streams == 0 {
		delete(s.companies, se.company)
	}
	close(se.done)
}

// end ends the session with the id, if any.
func (s *sessions) end(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if se, ok := s.byID[id]; ok {
		s.remove(se)
	}
}

// endToken ends the company's sessions opened with the token, or all of
// its sessions when token is "".
func (s *sessions) endToken(company, token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.companies[company]
	if c == nil {
		return
	}
	for e := c.list.Front(); e != nil; {
		se := e.Value.(*session)
		e = e.Next()
		if token == "" || se.token == token {
			s.remove(se)
		}
	}
}

// errTooManyStreams refuses an event stream past a limit.
var errTooManyStreams = errors.New("too many open event streams")

// openStream counts an event stream of the session against the limits,
// and returns the function that closes it.
func (s *sessions) openStream(se *session) (release func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byID[se.id] != se {
		return nil, errors.New("the session has ended")
	}
	c := s.companies[se.company]
	if se.streams >= s.maxPerSession || c.streams >= s.maxCompanyStreams || s.streams >= s.maxStreams {
		return nil, errTooManyStreams
	}
	se.streams++
	c.streams++
	s.streams++
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		se.streams--
		c.streams--
		s.streams--
		if c.list.Len() == 0 && c.streams == 0 && s.companies[se.company] == c {
			delete(s.companies, se.company)
		}
	}, nil
}

// count returns the number of sessions, all and the company's, and of
// open streams, for tests.
func (s *sessions) count(company string) (total, ofCompany, streams int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.companies[company]; c != nil {
		ofCompany = c.list.Len()
	}
	return len(s.byID), ofCompany, s.streams
}

// startSession signs the company in with the token: an HttpOnly,
// SameSite=Strict cookie holding a random session id, never the token.
// The session is tied to the token: found among the company's tokens by
// its hash, it lasts no longer than the token. ok is false when the token
// is no longer the company's (revoked meanwhile).
func (ui *UI) startSession(w http.ResponseWriter, r *http.Request, company, token string) (ok bool, err error) {
	hash := sha256.Sum256([]byte(token))
	toks, err := ui.cfg.Companies.Tokens(r.Context(), company)
	if errors.Is(err, scim.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	now := ui.now()
	for _, t := range toks {
		if t.Hash != hash {
			continue
		}
		expires := now.Add(sessionLife)
		if !t.Expires.IsZero() && t.Expires.Before(expires) {
			expires = t.Expires
		}
		if !now.Before(expires) {
			return false, nil
		}
		se := ui.sessions.start(company, t.ID, hash, expires, now)
		http.SetCookie(w, &http.Cookie{
			Name:     cookieName,
			Value:    se.id,
			Path:     "/",
			MaxAge:   max(int(expires.Sub(now)/time.Second), 1),
			HttpOnly: true,
			Secure:   ui.secure(r),
			SameSite: http.SameSiteStrictMode,
		})
		return true, nil
	}
	return false, nil
}

func (ui *UI) endSession(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(cookieName); err == nil {
		ui.sessions.end(c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Path: "/", MaxAge: -1, HttpOnly: true, Secure: ui.secure(r), SameSite: http.SameSiteStrictMode})
}

// session returns the request's session and its company; nil when the
// request is not signed in (no session, or one that has ended). The error
// is the store's, when it could not tell.
func (ui *UI) session(r *http.Request) (*session, *scim.Company, error) {
	c, err := r.Cookie(cookieName)
	if err != nil {
		return nil, nil, nil
	}
	now := ui.now()
	se, ok := ui.sessions.get(c.Value, now)
	if !ok {
		return nil, nil, nil
	}
	co, err := ui.check(r.Context(), se, now)
	if co == nil {
		return nil, nil, err
	}
	return se, co, nil
}

// check confirms, on every request and every heartbeat of an event
// stream, that the session's token still opens it: its company exists,
// and the token is still among the company's tokens (not revoked) and has
// not expired. Otherwise it ends the session, with every other session of
// that token (or company), and returns nil. It reads the company and its
// tokens: two lookups by key, whatever the company's size; a revocation
// through any instance is seen at once.
func (ui *UI) check(ctx context.Context, se *session, now time.Time) (*scim.Company, error) {
	co, err := ui.cfg.Companies.Company(ctx, se.company)
	if err == nil {
		var toks []*scim.Token
		if toks, err = ui.cfg.Companies.Tokens(ctx, se.company); err == nil {
			for _, t := range toks {
				if t.ID != se.token || t.Hash != se.hash {
					continue
				}
				if !t.Expires.IsZero() && !now.Before(t.Expires) {
					break // expired
				}
				return co, nil
			}
			ui.sessions.endToken(se.company, se.token)
			return nil, nil
		}
	}
	if errors.Is(err, scim.ErrNotFound) {
		ui.sessions.endToken(se.company, "") // the company was erased
		return nil, nil
	}
	return nil, err
}
