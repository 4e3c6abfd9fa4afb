// Package assets holds the files embedded in the binary.
package assets

import (
	_ "embed"

	"fyne.io/fyne/v2"
)

//go:embed icon.png
var iconPNG []byte

// Icon is the application and tray icon. It is a PNG because the tray
// (StatusNotifierItem) cannot show SVG.
var Icon = fyne.NewStaticResource("icon.png", iconPNG)
