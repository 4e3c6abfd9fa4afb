package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"sysmon/settings"
)

// forcedVariant is Fyne's default theme pinned to light or dark, whatever
// the desktop prefers.
type forcedVariant struct {
	fyne.Theme
	variant fyne.ThemeVariant
}

func (f forcedVariant) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return f.Theme.Color(n, f.variant)
}

// themeFor maps the Theme setting to a Fyne theme.
func themeFor(name string) fyne.Theme {
	switch name {
	case settings.ThemeLight:
		return forcedVariant{theme.DefaultTheme(), theme.VariantLight}
	case settings.ThemeDark:
		return forcedVariant{theme.DefaultTheme(), theme.VariantDark}
	}
	return theme.DefaultTheme()
}
