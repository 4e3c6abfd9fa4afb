//go:build !windows && (!linux || !cgo)

package gpu

// reasonUnsupported is the Status.Reason where NVML cannot be loaded at all:
// go-nvml needs Linux and cgo (dlopen), and the nvml.dll back end Windows.
const reasonUnsupported = "unsupported on this platform"

// Monitor reports no GPU on platforms this package cannot read NVML on.
type Monitor struct{}

// Open returns a Monitor whose Status is always absent.
func Open() *Monitor { return &Monitor{} }

// Read returns an absent Status with reason "unsupported on this platform".
func (m *Monitor) Read() Status { return Status{Reason: reasonUnsupported} }

// Close does nothing; there is no library to shut down.
func (m *Monitor) Close() error { return nil }
