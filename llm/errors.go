package llm

import (
	"errors"
	"fmt"
)

// ErrNotRunning matches (errors.Is) every error caused by a server that does
// not accept connections: nothing listens on the port, the host is
// unreachable or unknown. It is the normal state of a machine where the tool
// is not started, so callers should treat it quietly.
var ErrNotRunning = errors.New("not running")

// ErrNoData is returned when a server answered but the answer held nothing
// usable (for example a /metrics page without any llama.cpp metric).
var ErrNoData = errors.New("no data")

// ErrBadResponse is wrapped by the error of a server whose answer could not
// be decoded (not JSON, not the expected shape).
var ErrBadResponse = errors.New("bad response")

// ErrMetricsDisabled matches the error of a llama-server started without
// --metrics (it answers GET /metrics with 501 Not Implemented).
var ErrMetricsDisabled = errors.New("llama-server metrics disabled (start it with --metrics)")

// NotRunningError says that Server at URL could not be reached. It matches
// ErrNotRunning and unwraps to the underlying network error.
type NotRunningError struct {
	Server string // "ollama" or "llama-server"
	URL    string
	Err    error
}

func (e *NotRunningError) Error() string {
	return fmt.Sprintf("%s at %s: not running: %v", e.Server, e.URL, e.Err)
}

// Unwrap returns ErrNotRunning and the underlying network error.
func (e *NotRunningError) Unwrap() []error { return []error{ErrNotRunning, e.Err} }

// HTTPStatusError is returned when a server answered with a status other
// than 200 OK.
type HTTPStatusError struct {
	Server     string
	URL        string
	StatusCode int
	Status     string
}

func (e *HTTPStatusError) Error() string {
	return fmt.Sprintf("%s at %s: unexpected status %s", e.Server, e.URL, e.Status)
}
