package webui

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/scimkit/scim"
)

// writeWindow is how long each write of an event stream may take. The
// stream extends its write deadline before every write, so it lives past
// the server's WriteTimeout, which would otherwise end it.
const writeWindow = 30 * time.Second

// logRow is a log entry as the page shows it, in the table and in the
// event stream.
type logRow struct {
	Seq      uint64   `json:"seq"`
	Time     string   `json:"time"`
	Method   string   `json:"method"`
	Path     string   `json:"path"`
	Status   int      `json:"status"`
	Duration string   `json:"duration"`
	Changes  []string `json:"changes,omitempty"`
	Error    string   `json:"error,omitempty"`
	Failed   bool     `json:"failed"`
	Bulk     int      `json:"bulk,omitempty"`
	// BulkFailed is how many of a bulk's operations failed (-1: unknown),
	// each described in Failures.
	BulkFailed int      `json:"bulkFailed,omitempty"`
	Failures   []string `json:"failures,omitempty"`
}

func newLogRow(e Entry) logRow {
	return logRow{
		Seq: e.Seq, Time: e.Time.UTC().Format("15:04:05"), Method: e.Method, Path: e.Path,
		Status: e.Status, Duration: e.Duration.Round(10 * time.Microsecond).String(),
		Changes: e.Changes, Error: e.Error, Failed: e.Status >= 400, Bulk: e.BulkOperations,
		BulkFailed: e.BulkFailed, Failures: e.Failures,
	}
}

// events streams the company's provisioning log as server-sent events,
// starting after the entry the query's "after" names.
//
// A session has at most a few streams open, as has a company, and the
// server in all (Config.MaxStreams…): past them the answer is 429. A
// stream ends with its session: signed out, expired, ended by a newer
// sign-in past the limits, or by its token's end, which the stream checks
// at every heartbeat.
func (ui *UI) events(w http.ResponseWriter, r *http.Request, co *scim.Company, se *session) {
	after, _ := strconv.ParseUint(r.URL.Query().Get("after"), 10, 64)
	if id, err := strconv.ParseUint(r.Header.Get("Last-Event-ID"), 10, 64); err == nil {
		after = id // a reconnecting browser resumes where it was
	}
	release, err := ui.sessions.openStream(se)
	if err != nil {
		w.Header().Set("Retry-After", "60")
		http.Error(w, err.Error()+"; close other pages of this site", http.StatusTooManyRequests)
		return
	}
	defer release()
	ends := time.NewTimer(se.expires.Sub(ui.now()))
	defer ends.Stop()
	entries, cancel := ui.cfg.Log.Subscribe(co.ID)
	defer cancel()
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(s string) bool {
		if err := rc.SetWriteDeadline(time.Now().Add(writeWindow)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return false
		}
		if _, err := fmt.Fprint(w, s); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	event := func(e Entry) bool {
		if e.Seq <= after {
			return true
		}
		after = e.Seq
		b, _ := json.Marshal(newLogRow(e))
		return send(fmt.Sprintf("id: %d\nevent: entry\ndata: %s\n\n", e.Seq, b))
	}
	// What happened between the page's rendering and the subscription.
	backlog := ui.cfg.Log.Entries(co.ID)
	for i := len(backlog) - 1; i >= 0; i-- {
		if !event(backlog[i]) {
			return
		}
	}
	if !send(": connected\n\n") {
		return
	}
	tick := time.NewTicker(ui.cfg.Heartbeat)
	defer tick.Stop()
	for {
		select {
		case e := <-entries:
			if !event(e) {
				return
			}
		case <-tick.C:
			if co, err := ui.check(r.Context(), se, ui.now()); co == nil && err == nil {
				return // the session ended with its token
			}
			if !send(": ping\n\n") {
				return
			}
		case <-se.done:
			return
		case <-ends.C:
			return
		case <-r.Context().Done():
			return
		case <-ui.done:
			return
		}
	}
}
