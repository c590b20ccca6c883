package webui

import (
	"crypto/rand"
	"net/http"
	"sync"
	"time"
)

// cookieName is the session cookie's name.
const cookieName = "scimkit_session"

// sessionLife is how long a sign-in lasts.
const sessionLife = 12 * time.Hour

// sessions maps the random ids of session cookies to companies. They live
// in memory: a restarted demo asks for the token again.
type sessions struct {
	mu sync.Mutex
	m  map[string]session
}

type session struct {
	company string
	expires time.Time
}

func (s *sessions) company(id string, now time.Time) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	se, ok := s.m[id]
	if !ok || now.After(se.expires) {
		delete(s.m, id)
		return "", false
	}
	return se.company, true
}

func (s *sessions) start(company string, now time.Time) string {
	id := rand.Text()
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, se := range s.m {
		if now.After(se.expires) {
			delete(s.m, k)
		}
	}
	s.m[id] = session{company: company, expires: now.Add(sessionLife)}
	return id
}

func (s *sessions) end(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
}

// startSession signs the company in: an HttpOnly, SameSite=Strict cookie
// holding a random session id, never the token.
func (ui *UI) startSession(w http.ResponseWriter, r *http.Request, company string) {
	http.SetCookie(w, &http.Cookie{
		Name:     cookieName,
		Value:    ui.sessions.start(company, time.Now()),
		Path:     "/",
		MaxAge:   int(sessionLife / time.Second),
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteStrictMode,
	})
}

func (ui *UI) endSession(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(cookieName); err == nil {
		ui.sessions.end(c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
}
