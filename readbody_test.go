package scim

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"
)

// TestReadSized: a body is read whole whatever its declared length says,
// and no further than the limit.
func TestReadSized(t *testing.T) {
	long := strings.Repeat("x", 100)
	tests := []struct {
		name     string
		body     io.Reader
		declared int64
		limit    int64
		want     string
		tooLarge bool
		fail     bool
	}{
		{name: "as declared", body: strings.NewReader(long), declared: 100, limit: 1000, want: long},
		{name: "empty", body: strings.NewReader(""), declared: 0, limit: 1000, want: ""},
		{name: "longer than declared", body: strings.NewReader(long), declared: 10, limit: 1000, want: long},
		{name: "shorter than declared", body: strings.NewReader(long[:5]), declared: 100, limit: 1000, want: long[:5]},
		{name: "one byte at a time", body: iotest.OneByteReader(strings.NewReader(long)), declared: 100, limit: 1000, want: long},
		{name: "at the limit", body: strings.NewReader(long), declared: 100, limit: 100, want: long},
		{name: "past the limit", body: strings.NewReader(long), declared: 50, limit: 99, tooLarge: true},
		{name: "declared past the preallocation", body: strings.NewReader(strings.Repeat("y", maxPreallocated+10)), declared: maxPreallocated + 10, limit: 1 << 20, want: strings.Repeat("y", maxPreallocated+10)},
		{name: "read error", body: iotest.ErrReader(errors.New("reset")), declared: 100, limit: 1000, fail: true},
		{name: "error after data", body: io.MultiReader(strings.NewReader("ab"), iotest.ErrReader(errors.New("reset"))), declared: 2, limit: 1000, fail: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readSized(tt.body, tt.declared, tt.limit)
			var mbe *http.MaxBytesError
			switch {
			case tt.tooLarge:
				if !errors.As(err, &mbe) || mbe.Limit != tt.limit {
					t.Fatalf("err = %v, want a MaxBytesError of %d", err, tt.limit)
				}
			case tt.fail:
				if err == nil || errors.As(err, &mbe) {
					t.Fatalf("err = %v, want the reader's", err)
				}
			case err != nil:
				t.Fatal(err)
			case string(got) != tt.want:
				t.Fatalf("read %q, want %q", got, tt.want)
			}
		})
	}
}

// TestReadSizedPreallocates: a body declared larger than maxPreallocated
// gets no buffer of its declared size before its bytes arrive.
func TestReadSizedPreallocates(t *testing.T) {
	b, err := readSized(strings.NewReader("{}"), 1<<20, 1<<20)
	if err != nil || string(b) != "{}" {
		t.Fatalf("read %q, %v", b, err)
	}
	if cap(b) > 2*maxPreallocated {
		t.Errorf("a two-byte body declared as 1 MiB was read into a buffer of %d bytes", cap(b))
	}
}
