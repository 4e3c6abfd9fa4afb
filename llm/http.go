package llm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// DefaultTimeout bounds one request to a local server: connect, headers
// and body together. Servers on loopback answer in milliseconds; a server
// that takes longer is hung or swapping and waiting does not help.
const DefaultTimeout = 2 * time.Second

// maxBody caps what is read from a server, so a wrong URL pointing at a
// large file cannot exhaust memory.
const maxBody = 8 << 20

// newHTTPClient returns a client for local servers: no proxy (a loopback
// request must never leave the machine through HTTP_PROXY), short dial and
// header timeouts, a small idle pool for polling.
func newHTTPClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           (&net.Dialer{Timeout: timeout}).DialContext,
			ResponseHeaderTimeout: timeout,
			MaxIdleConns:          4,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       30 * time.Second,
			DisableCompression:    true,
		},
		// No Client.Timeout: the per-request context deadline covers the
		// body too and keeps context.DeadlineExceeded in the error chain.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// get fetches url and returns its body (status 200 only). A connection
// that cannot be made becomes a *NotRunningError; a timeout wraps
// context.DeadlineExceeded.
func get(ctx context.Context, client *http.Client, timeout time.Duration, server, url, accept string) ([]byte, error) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("%s request %q: %w", server, url, err)
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", "sysmon")
	resp, err := client.Do(req)
	if err != nil {
		return nil, requestError(ctx, server, url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // reuse the connection
		return nil, &HTTPStatusError{Server: server, URL: url, StatusCode: resp.StatusCode, Status: resp.Status}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, requestError(ctx, server, url, err)
	}
	if len(body) > maxBody {
		return nil, fmt.Errorf("%s at %s: response larger than %d bytes", server, url, maxBody)
	}
	return body, nil
}

// requestError classifies a failed request: a refused or impossible
// connection is "not running" unless the caller's own context ended.
func requestError(ctx context.Context, server, url string, err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" && !errors.Is(err, context.Canceled) {
		return &NotRunningError{Server: server, URL: url, Err: op}
	}
	if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		err = fmt.Errorf("%w: %w", ctx.Err(), err)
	}
	return fmt.Errorf("%s at %s: %w", server, url, err)
}
