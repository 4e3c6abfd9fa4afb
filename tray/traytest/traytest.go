//go:build linux

// Package traytest provides what tray tests need on a real D-Bus: a private
// session bus and a fake StatusNotifierWatcher that records the tray icons
// registering with it and reads their menus back.
package traytest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"
)

// StartBus runs a private session dbus-daemon and returns its address and a
// function that stops it.
func StartBus(dir string) (address string, stop func(), err error) {
	address = "unix:path=" + filepath.Join(dir, "bus")
	cmd := exec.Command("dbus-daemon", "--session", "--nofork", "--nopidfile", "--address="+address, "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start dbus-daemon: %w", err)
	}
	stop = func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		stop()
		return "", nil, fmt.Errorf("dbus-daemon did not print its address: %w", err)
	}
	return strings.TrimSpace(line), stop, nil
}

// Watcher is a fake org.kde.StatusNotifierWatcher with one host registered.
type Watcher struct {
	conn  *dbus.Conn
	mu    sync.Mutex
	items []string // unique bus names of registered items
}

// StartWatcher connects to the bus at address and takes the watcher's name.
func StartWatcher(address string) (*Watcher, error) {
	conn, err := dbus.Connect(address)
	if err != nil {
		return nil, err
	}
	w := &Watcher{conn: conn}
	const name, path = "org.kde.StatusNotifierWatcher", "/StatusNotifierWatcher"
	if err := conn.Export(w, path, name); err != nil {
		conn.Close()
		return nil, err
	}
	if _, err := prop.Export(conn, path, prop.Map{name: {
		"IsStatusNotifierHostRegistered": {Value: true},
		"ProtocolVersion":                {Value: int32(0)},
		"RegisteredStatusNotifierItems":  {Value: []string{}},
	}}); err != nil {
		conn.Close()
		return nil, err
	}
	reply, err := conn.RequestName(name, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		conn.Close()
		return nil, fmt.Errorf("own %s: reply %v, %v", name, reply, err)
	}
	return w, nil
}

// RegisterStatusNotifierItem is called by each tray icon over D-Bus.
func (w *Watcher) RegisterStatusNotifierItem(service string, sender dbus.Sender) *dbus.Error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.items = append(w.items, string(sender))
	return nil
}

// RegisterStatusNotifierHost accepts hosts; this fake already counts one.
func (w *Watcher) RegisterStatusNotifierHost(string) *dbus.Error { return nil }

// WaitItem waits for the first tray icon to register and returns its bus name.
func (w *Watcher) WaitItem(timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		w.mu.Lock()
		n := len(w.items)
		var first string
		if n > 0 {
			first = w.items[0]
		}
		w.mu.Unlock()
		if n > 0 {
			return first, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return "", fmt.Errorf("no tray icon registered within %v", timeout)
}

// layout is com.canonical.dbusmenu's recursive (ia{sv}av) menu node.
type layout struct {
	ID       int32
	Props    map[string]dbus.Variant
	Children []dbus.Variant
}

// MenuLabels reads the tray menu of the item at service, top level only.
func (w *Watcher) MenuLabels(ctx context.Context, service string) ([]string, error) {
	var rev uint32
	var root layout
	call := w.conn.Object(service, "/StatusNotifierItem/menu").CallWithContext(ctx,
		"com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{})
	if err := call.Store(&rev, &root); err != nil {
		return nil, fmt.Errorf("GetLayout: %w", err)
	}
	var labels []string
	for _, c := range root.Children {
		var child layout
		if err := dbus.Store([]any{c.Value()}, &child); err != nil {
			return nil, fmt.Errorf("menu child: %w", err)
		}
		if l, ok := child.Props["label"].Value().(string); ok {
			labels = append(labels, l)
		}
	}
	return labels, nil
}

// Close releases the watcher's name.
func (w *Watcher) Close() error { return w.conn.Close() }

// Environ returns os.Environ with the session bus set to address.
func Environ(address string) []string {
	return append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS="+address)
}
