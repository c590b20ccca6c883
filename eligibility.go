package scim

import (
	"context"
	"time"
)

// Survey eligibility. Peakon surveys the employees that are active when a
// survey goes out: a deactivated employee drops out from the moment of
// deactivation and a reactivated one comes back. Because an answer may be
// asked about the past (which employees did the survey of last Monday go
// to?), it is read from the activation history a [HistoryStore] records with
// every committed change of active, not from the users' current state.
//
// The history lives in the store, so these functions answer correctly
// across processes and restarts; a deleted employee has no history left
// (Peakon's DELETE destroys it) and is not eligible at any time.

// WasActive reports whether the company's employee with the id was active
// at t: the last change of active at or before t decides, and before its
// creation an employee was not active. An unknown or deleted employee is an
// error wrapping [ErrNotFound].
func WasActive(ctx context.Context, s HistoryStore, company, id string, t time.Time) (bool, error) {
	h, err := s.Activations(ctx, company, id)
	if err != nil {
		return false, err
	}
	return ActiveIn(h, t), nil
}

// ActiveEmployees returns the ids, sorted, of the company's employees that
// were active at t: the list a survey scheduled for t goes to.
func ActiveEmployees(ctx context.Context, s HistoryStore, company string, t time.Time) ([]string, error) {
	return s.ActiveAt(ctx, company, t)
}

// ActiveIn reports whether a history says the user was active at t: the
// last activation at or before t decides; before creation the user was not.
func ActiveIn(history []Activation, t time.Time) bool {
	active := false
	for _, a := range history {
		if a.Time.After(t) {
			break
		}
		active = a.Active
	}
	return active
}
