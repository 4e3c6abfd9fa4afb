package console

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSave(t *testing.T) {
	b := NewBuffer(0)
	w := b.Writer("s")
	w.Write([]byte("\x1b[1;31merror\x1b[0m: one\nplain two\n\x1b]0;title\x07three\n"))
	dir := t.TempDir()
	path := filepath.Join(dir, "console.log")
	if err := os.WriteFile(path, []byte("old content that is longer than the new one\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := b.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := "error: one\nplain two\nthree\n"; string(got) != want {
		t.Errorf("saved %q, want %q", got, want)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v: an existing file's mode should be kept", fi.Mode())
	}

	v := b.NewView(Filter{Search: "two"})
	viewPath := filepath.Join(dir, "view.log")
	if err := v.Save(viewPath); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(viewPath); string(got) != "plain two\n" {
		t.Errorf("view saved %q", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("temporary files left: %v", entries)
	}

	if err := b.Save(filepath.Join(dir, "missing", "x.log")); err == nil {
		t.Error("no error saving into a missing directory")
	}
	if err := b.Save(dir); err == nil {
		t.Error("no error saving over a directory")
	}
}
