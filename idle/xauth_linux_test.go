package idle

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
)

func TestParseDisplay(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want xDisplay
	}{
		{":0", xDisplay{network: "unix", address: "/tmp/.X11-unix/X0", number: "0"}},
		{":12.1", xDisplay{network: "unix", address: "/tmp/.X11-unix/X12", number: "12"}},
		{"unix:3", xDisplay{network: "unix", address: "/tmp/.X11-unix/X3", number: "3"}},
		{"localhost:10.0", xDisplay{network: "tcp", address: "localhost:6010", number: "10"}},
		{"box:1", xDisplay{network: "tcp", address: "box:6001", host: "box", number: "1"}},
		{"tcp/box:2", xDisplay{network: "tcp", address: "box:6002", host: "box", number: "2"}},
		{"/private/tmp/com.apple.launchd.x/org.xquartz:0", xDisplay{
			network: "unix", address: "/private/tmp/com.apple.launchd.x/org.xquartz:0", number: "0"}},
	} {
		got, err := parseDisplay(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("parseDisplay(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "0", ":", ":x", ":-1", "host:"} {
		if got, err := parseDisplay(bad); err == nil {
			t.Errorf("parseDisplay(%q) = %+v, want an error", bad, got)
		}
	}
}

// xauthEntry writes one Xauthority record.
func xauthEntry(w io.Writer, family uint16, addr, number, name string, data []byte) {
	binary.Write(w, binary.BigEndian, family)
	for _, f := range [][]byte{[]byte(addr), []byte(number), []byte(name), data} {
		binary.Write(w, binary.BigEndian, uint16(len(f)))
		w.Write(f)
	}
}

func TestFindXauth(t *testing.T) {
	var buf bytes.Buffer
	xauthEntry(&buf, familyLocal, "otherhost", "7", "MIT-MAGIC-COOKIE-1", []byte("other-host......"))
	xauthEntry(&buf, familyLocal, "myhost", "3", "MIT-MAGIC-COOKIE-1", []byte("display-3......."))
	xauthEntry(&buf, familyLocal, "myhost", "7", "MIT-MAGIC-COOKIE-1", []byte("display-7......."))
	xauthEntry(&buf, familyWild, "", "", "MIT-MAGIC-COOKIE-1", []byte("wildcard........"))
	file := buf.Bytes()

	for _, tc := range []struct {
		host, number string
		want         string
	}{
		{"myhost", "7", "display-7......."},
		{"myhost", "3", "display-3......."},
		{"myhost", "9", "wildcard........"},
		{"thirdhost", "7", "wildcard........"},
	} {
		name, data, err := findXauth(bytes.NewReader(file), tc.host, tc.number)
		if err != nil || name != "MIT-MAGIC-COOKIE-1" || string(data) != tc.want {
			t.Errorf("%s:%s = %q %q %v, want %q", tc.host, tc.number, name, data, err, tc.want)
		}
	}
	if _, _, err := findXauth(bytes.NewReader(file[:buf.Len()-60]), "myhost", "9"); err == nil {
		t.Error("no error for a file cut short before any match")
	}
	if _, _, err := findXauth(bytes.NewReader(nil), "myhost", "0"); !errors.Is(err, io.EOF) {
		t.Errorf("empty file: %v", err)
	}
}

func TestSetupRequest(t *testing.T) {
	got := setupRequest("MIT-MAGIC-COOKIE-1", []byte("0123456789abcdef"))
	want := append([]byte{'l', 0, 11, 0, 0, 0, 18, 0, 16, 0, 0, 0}, "MIT-MAGIC-COOKIE-1\x00\x000123456789abcdef"...)
	if !bytes.Equal(got, want) {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	if got := setupRequest("", nil); !bytes.Equal(got, []byte{'l', 0, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0}) {
		t.Fatalf("no auth: %q", got)
	}
}
