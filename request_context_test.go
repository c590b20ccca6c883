package scim

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestRequestContext: requestContext behaves as the context.WithDeadline
// it stands for, whether or not its Done was asked for first: deadline,
// expiry, the parent's cancellation, the request's end (finish), causes,
// and child contexts. No assertion depends on timing: deadlines are
// either past or an hour away.
func TestRequestContext(t *testing.T) {
	type key struct{}
	parentWith := func() (context.Context, context.CancelFunc) {
		return context.WithCancel(context.WithValue(context.Background(), key{}, "v"))
	}
	for _, doneFirst := range []bool{false, true} {
		check := func(name string, c *requestContext, want error) {
			t.Helper()
			if doneFirst {
				c.Done()
			}
			if err := c.Err(); !errors.Is(err, want) || (want == nil) != (err == nil) {
				t.Errorf("doneFirst %v, %s: Err %v, want %v", doneFirst, name, err, want)
			}
			if cause := context.Cause(c); !errors.Is(cause, want) || (want == nil) != (cause == nil) {
				t.Errorf("doneFirst %v, %s: Cause %v, want %v", doneFirst, name, cause, want)
			}
			child, cancel := context.WithCancel(c)
			defer cancel()
			if want != nil {
				<-c.Done()
				<-child.Done()
			} else {
				select {
				case <-c.Done():
					t.Errorf("doneFirst %v, %s: Done closed", doneFirst, name)
				case <-child.Done():
					t.Errorf("doneFirst %v, %s: a child's Done closed", doneFirst, name)
				default:
				}
			}
			if !errors.Is(child.Err(), want) || (want == nil) != (child.Err() == nil) {
				t.Errorf("doneFirst %v, %s: a child's Err %v, want %v", doneFirst, name, child.Err(), want)
			}
			if c.Value(key{}) != "v" {
				t.Errorf("doneFirst %v, %s: the parent's value is lost", doneFirst, name)
			}
		}

		p, cancel := parentWith()
		c := newRequestContext(p, time.Hour)
		if d, ok := c.Deadline(); !ok || time.Until(d) <= 0 || time.Until(d) > time.Hour {
			t.Errorf("deadline %v, %v; want within the hour", d, ok)
		}
		check("running", c, nil)
		cancel()
		check("parent canceled", c, context.Canceled)

		p, cancel = parentWith()
		c = newRequestContext(p, -time.Second)
		check("expired", c, context.DeadlineExceeded)
		cancel()

		p, cancel = parentWith()
		c = newRequestContext(p, time.Hour)
		c.finish()
		check("finished", c, context.Canceled)
		cancel()

		p, cancel = context.WithDeadline(context.WithValue(context.Background(), key{}, "v"), time.Now().Add(-time.Second))
		c = newRequestContext(p, time.Hour)
		if d, _ := c.Deadline(); !d.Before(time.Now()) {
			t.Errorf("deadline %v, want the parent's, past", d)
		}
		check("parent expired", c, context.DeadlineExceeded)
		cancel()
	}

	// Done closes when the deadline passes.
	c := newRequestContext(context.Background(), time.Millisecond)
	<-c.Done()
	if !errors.Is(c.Err(), context.DeadlineExceeded) {
		t.Errorf("after Done: %v", c.Err())
	}
	c.finish()
}
