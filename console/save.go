package console

import (
	"io"
	"slices"

	"sysmon/atomicfile"
)

// Save writes the buffer's lines to path as plain text, one line each, without
// colours: what the user saw, ready for grep or a bug report. The file is
// replaced atomically, so a crash leaves the old file or the new one, never a
// torn mix.
func (b *Buffer) Save(path string) error {
	return atomicfile.Write(path, func(w io.Writer) error {
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
	return atomicfile.Write(path, func(w io.Writer) error {
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
