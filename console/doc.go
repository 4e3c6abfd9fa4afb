// Package console keeps the recent console output of sysmon and of the
// programs it runs, for a UI to show next to the charts.
//
// A [Buffer] is a bounded ring of [Line] values: it holds at most MaxLines
// lines and about MaxBytes bytes, whatever is written to it, because a local
// LLM server can print for days and must not make the monitor grow. Bytes
// enter through a [Writer], which splits them into lines, makes them valid
// UTF-8, turns SGR colour sequences into [Span] values, drops every other
// terminal control sequence and cuts overlong lines into pieces. Nothing in a
// line is ever interpreted as markup or a command: a Line's Text is plain
// text.
//
// Readers address lines by a monotonic sequence number ([Line.Seq]) so that a
// UI can ask for what arrived since it last looked, and wait on a coalescing
// channel from [Buffer.Subscribe] instead of polling. A [View] applies a
// [Filter] incrementally and exposes the matching lines by index for a
// virtualized list.
//
// [StartCapture] mirrors the process's own stdout and stderr into a Buffer
// while still passing them to the terminal; [NewHandler] does the same for
// log/slog records. [Child] runs a program in its own process group and
// mirrors its output. A typical wiring in main:
//
//	buf := console.NewBuffer(0)
//	capture, err := console.StartCapture(buf, console.CaptureOptions{})
//	...
//	defer capture.Stop()
//	// Log to the real terminal, not to the captured stderr, or every record
//	// would reach the buffer twice.
//	_, stderr := console.Terminal()
//	slog.SetDefault(slog.New(console.NewHandler(buf, slog.NewTextHandler(stderr, nil), nil)))
package console
