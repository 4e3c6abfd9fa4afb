//go:build !windows && (!linux || !cgo)

package gpu

import "testing"

func TestUnsupported(t *testing.T) {
	m := Open()
	if st := m.Read(); st.Present || st.Reason != "unsupported on this platform" {
		t.Errorf("Read = %+v, want absent, unsupported on this platform", st)
	}
	if err := m.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}
