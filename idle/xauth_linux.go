package idle

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// xDisplay is a parsed DISPLAY value: where to dial and which Xauthority
// entry belongs to it.
type xDisplay struct {
	network, address string
	// host is the Xauthority address to match ("" for the local host).
	host   string
	number string
}

// parseDisplay reads the DISPLAY forms xgb understands: ":N", ":N.S",
// "unix:N", "host:N", "proto/host:N" and "/path/to/socket:N".
func parseDisplay(display string) (xDisplay, error) {
	if display == "" {
		return xDisplay{}, errors.New("DISPLAY is not set")
	}
	bad := fmt.Errorf("bad DISPLAY %q", display)
	colon := strings.LastIndex(display, ":")
	if colon < 0 {
		return xDisplay{}, bad
	}
	number, _, _ := strings.Cut(display[colon+1:], ".")
	if n, err := strconv.Atoi(number); err != nil || n < 0 {
		return xDisplay{}, bad
	}
	d := xDisplay{number: number}
	if strings.HasPrefix(display, "/") {
		d.network, d.address = "unix", display[:colon]+":"+number
		return d, nil
	}
	proto, host := "", display[:colon]
	if slash := strings.LastIndex(host, "/"); slash >= 0 {
		proto, host = host[:slash], host[slash+1:]
	}
	if host == "" || host == "unix" {
		d.network, d.address = "unix", "/tmp/.X11-unix/X"+number
		return d, nil
	}
	n, _ := strconv.Atoi(number)
	d.network, d.address = "tcp", host+":"+strconv.Itoa(6000+n)
	if proto != "" {
		d.network = proto
	}
	if host != "localhost" {
		d.host = host
	}
	return d, nil
}

// Xauthority families, from X11/Xauth.h.
const (
	familyLocal = 256
	familyWild  = 65535
)

// xauthority returns the auth name and data for d from $XAUTHORITY or
// ~/.Xauthority, or empty values when there is none (a server without
// access control, such as a test Xvfb, needs none).
func xauthority(d xDisplay) (name string, data []byte) {
	file := os.Getenv("XAUTHORITY")
	if file == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", nil
		}
		file = filepath.Join(home, ".Xauthority")
	}
	f, err := os.Open(file)
	if err != nil {
		return "", nil
	}
	defer f.Close()
	host := d.host
	if host == "" {
		host, _ = os.Hostname()
	}
	name, data, _ = findXauth(bufio.NewReader(f), host, d.number)
	return name, data
}

// findXauth scans Xauthority entries for the first that matches host and
// display number, the way libXau does for local displays.
func findXauth(r io.Reader, host, number string) (string, []byte, error) {
	field := func() ([]byte, error) {
		var n uint16
		if err := binary.Read(r, binary.BigEndian, &n); err != nil {
			return nil, err
		}
		b := make([]byte, n)
		_, err := io.ReadFull(r, b)
		return b, err
	}
	for {
		var family uint16
		if err := binary.Read(r, binary.BigEndian, &family); err != nil {
			return "", nil, err
		}
		var fields [4][]byte // address, display number, auth name, auth data
		for i := range fields {
			b, err := field()
			if err != nil {
				return "", nil, err
			}
			fields[i] = b
		}
		addrOK := family == familyWild || (family == familyLocal && string(fields[0]) == host)
		numOK := len(fields[1]) == 0 || string(fields[1]) == number
		if addrOK && numOK {
			return string(fields[2]), fields[3], nil
		}
	}
}

// setupRequest builds the X connection setup request (little-endian,
// protocol 11.0) carrying the given authorization.
func setupRequest(name string, data []byte) []byte {
	pad := func(n int) int { return (n + 3) &^ 3 }
	buf := make([]byte, 12+pad(len(name))+pad(len(data)))
	buf[0] = 'l'
	binary.LittleEndian.PutUint16(buf[2:], 11)
	binary.LittleEndian.PutUint16(buf[6:], uint16(len(name)))
	binary.LittleEndian.PutUint16(buf[8:], uint16(len(data)))
	copy(buf[12:], name)
	copy(buf[12+pad(len(name)):], data)
	return buf
}
