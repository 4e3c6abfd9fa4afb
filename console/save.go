package console

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// Save writes the buffer's lines to path as plain text, one line each, without
// colours: what the user saw, ready for grep or a bug report. The file is
// replaced atomically, so a crash leaves the old file or the new one, never a
// torn mix.
func (b *Buffer) Save(path string) error {
	return writeFileAtomic(path, func(w io.Writer) error {
		var chunk []Line
		var after uint64
		for {
			chunk = b.LinesAfter(after, viewChunk, chunk[:0])
			if len(chunk) == 0 {
				return nil
			}
			for i := range chunk {
				if err := writeLine(w, &chunk[i]); err != nil {
					return err
				}
			}
			after = chunk[len(chunk)-1].Seq
		}
	})
}

// Save writes the View's matching lines to path like Buffer.Save.
func (v *View) Save(path string) error {
	v.mu.Lock()
	seqs := slices.Clone(v.seqs[v.off:])
	v.mu.Unlock()
	return writeFileAtomic(path, func(w io.Writer) error {
		for _, seq := range seqs {
			l, ok := v.buf.Get(seq)
			if !ok {
				continue
			}
			if err := writeLine(w, &l); err != nil {
				return err
			}
		}
		return nil
	})
}

func writeLine(w io.Writer, l *Line) error {
	if _, err := io.WriteString(w, l.Text); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// writeFileAtomic writes path through a temporary file in the same
// directory (so the rename cannot cross file systems), synced before the
// rename so that the new name never points at unwritten data.
func writeFileAtomic(path string, fill func(io.Writer) error) (err error) {
	mode := fs.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("save %s: not a regular file", path)
		}
		mode = fi.Mode().Perm()
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	bw := bufio.NewWriterSize(f, 64<<10)
	if err := fill(bw); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if err := f.Chmod(mode); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	return nil
}
