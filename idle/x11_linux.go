package idle

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"sync"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/screensaver"
	"github.com/jezek/xgb/xproto"
)

var (
	silenceXGB sync.Once
	// xgbInit serializes screensaver.Init, which writes xgb's global
	// event and error tables.
	xgbInit sync.Mutex
)

var errClosed = errors.New("closed")

// x11Source queries MIT-SCREEN-SAVER over one connection that lives from the
// first call until Close or until a call fails; the next call dials again.
type x11Source struct {
	display string

	mu     sync.Mutex
	closed bool
	conn   *xgb.Conn
	// raw is the socket under conn. xgb takes no context, so closing the
	// socket is how a call gives up: xgb's goroutines then see the read
	// error and exit.
	raw  net.Conn
	root xproto.Window
	// state is the screen saver state of the latest reply, seenOn whether
	// any reply showed the saver enabled.
	state  byte
	seenOn bool
	have   bool
}

func newX11Source(display string) *x11Source {
	return &x11Source{display: display}
}

func (s *x11Source) source() source {
	return source{name: "x11", idle: s.idle, res: s}
}

// inhibitor answers from the state the latest idle query returned, so it
// costs no round trip.
func (s *x11Source) inhibitor() inhibitor {
	return inhibitor{name: "x11-screensaver", res: s, active: func(context.Context) (bool, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.have {
			return false, errors.New("no screen saver state yet")
		}
		return s.state == screensaver.StateDisabled && s.seenOn, nil
	}}
}

func (s *x11Source) idle(ctx context.Context) (time.Duration, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, errClosed
	}
	if s.conn == nil {
		if err := s.connect(ctx); err != nil {
			return 0, err
		}
	}
	// Nothing here selects events, but the server sends some to every client
	// (MappingNotify); left unread they would fill xgb's queue and stall its
	// reader.
	for {
		ev, xerr := s.conn.PollForEvent()
		if ev == nil && xerr == nil {
			break
		}
	}
	raw := s.raw
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	reply, err := screensaver.QueryInfo(s.conn, xproto.Drawable(s.root)).Reply()
	if !stop() {
		err = ctx.Err()
	} else if err == nil && reply == nil {
		err = errors.New("empty reply")
	}
	if err != nil {
		s.drop()
		return 0, fmt.Errorf("query screen saver info: %w", err)
	}
	s.state, s.have = reply.State, true
	if reply.State != screensaver.StateDisabled {
		s.seenOn = true
	}
	return time.Duration(reply.MsSinceUserInput) * time.Millisecond, nil
}

// connect dials the display and sets up MIT-SCREEN-SAVER. s.mu must be held.
func (s *x11Source) connect(ctx context.Context) error {
	silenceXGB.Do(func() { xgb.Logger = log.New(io.Discard, "", 0) })
	d, err := parseDisplay(s.display)
	if err != nil {
		return err
	}
	var dialer net.Dialer
	raw, err := dialer.DialContext(ctx, d.network, d.address)
	if err != nil {
		return fmt.Errorf("connect to X display %q: %w", s.display, err)
	}
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	conn, root, err := handshake(raw, d)
	if !stop() {
		err = ctx.Err()
	}
	if err != nil {
		raw.Close()
		if conn != nil {
			conn.Close()
		}
		return fmt.Errorf("connect to X display %q: %w", s.display, err)
	}
	s.conn, s.raw, s.root = conn, raw, root
	return nil
}

// setup opens the X protocol connection over raw with d's Xauthority cookie.
func setup(raw net.Conn, d xDisplay) (*xgb.Conn, error) {
	name, data := xauthority(d)
	// xgb.NewConnNet looks up Xauthority without knowing the display
	// number, so it finds no cookie for a normal entry; the wrapper swaps in
	// the setup request built from the right one.
	return xgb.NewConnNet(&setupConn{Conn: raw, setup: setupRequest(name, data)})
}

// DialX11 reports whether the X server of display accepts a connection,
// authenticated as the detector and a window would be, and hangs up.
func DialX11(ctx context.Context, display string) error {
	silenceXGB.Do(func() { xgb.Logger = log.New(io.Discard, "", 0) })
	d, err := parseDisplay(display)
	if err != nil {
		return err
	}
	var dialer net.Dialer
	raw, err := dialer.DialContext(ctx, d.network, d.address)
	if err != nil {
		return err
	}
	defer raw.Close()
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer stop()
	conn, err := setup(raw, d)
	if err != nil {
		return err
	}
	conn.Close()
	return nil
}

func handshake(raw net.Conn, d xDisplay) (*xgb.Conn, xproto.Window, error) {
	conn, err := setup(raw, d)
	if err != nil {
		return nil, 0, err
	}
	xgbInit.Lock()
	err = screensaver.Init(conn)
	xgbInit.Unlock()
	if err != nil {
		return conn, 0, err
	}
	screen := xproto.Setup(conn).DefaultScreen(conn)
	if screen == nil {
		return conn, 0, errors.New("no screen")
	}
	return conn, screen.Root, nil
}

// drop closes the connection after a failed call. s.mu must be held.
func (s *x11Source) drop() {
	if s.conn == nil {
		return
	}
	// Closing the socket first: xgb's own Close makes a round trip, which
	// would block on a hung server.
	s.raw.Close()
	s.conn.Close()
	s.conn, s.raw = nil, nil
}

func (s *x11Source) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.drop()
	return nil
}

// setupConn replaces the first write on the connection, xgb's setup request,
// with its own.
type setupConn struct {
	net.Conn
	setup []byte
	sent  bool
}

func (c *setupConn) Write(p []byte) (int, error) {
	if c.sent {
		return c.Conn.Write(p)
	}
	c.sent = true
	if _, err := c.Conn.Write(c.setup); err != nil {
		return 0, err
	}
	return len(p), nil
}
