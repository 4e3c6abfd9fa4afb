package console

// maxSGRNums bounds the numbers in one SGR sequence; maxCSIParams bytes hold
// at most this many.
const maxSGRNums = maxCSIParams/2 + 1

// applySGR returns st changed by the SGR parameters p ("1;31", "38;5;208",
// "38:2::255:128:0", ...). Unknown codes are ignored, as terminals do.
func applySGR(st Style, p []byte) Style {
	var nums [maxSGRNums]int
	var sub [maxSGRNums]bool // the number followed a ':' rather than a ';'
	n := 1
	for _, c := range p {
		switch c {
		case ';', ':':
			if n == len(nums) {
				return st
			}
			sub[n] = c == ':'
			n++
		default:
			if nums[n-1] < 1<<16 {
				nums[n-1] = nums[n-1]*10 + int(c-'0')
			}
		}
	}
	for k := 0; k < n; k++ {
		j := k + 1
		for j < n && sub[j] {
			j++
		}
		args := nums[k+1 : j]
		switch v := nums[k]; {
		case v == 0:
			st = Style{}
		case v == 1:
			st.Attr |= Bold
		case v == 2:
			st.Attr |= Faint
		case v == 3:
			st.Attr |= Italic
		case v == 4:
			if len(args) > 0 && args[0] == 0 { // 4:0 is "no underline"
				st.Attr &^= Underline
			} else {
				st.Attr |= Underline
			}
		case v == 5 || v == 6:
			st.Attr |= Blink
		case v == 7:
			st.Attr |= Inverse
		case v == 8:
			st.Attr |= Hidden
		case v == 9:
			st.Attr |= Strike
		case v == 21:
			st.Attr |= Underline
		case v == 22:
			st.Attr &^= Bold | Faint
		case v == 23:
			st.Attr &^= Italic
		case v == 24:
			st.Attr &^= Underline
		case v == 25:
			st.Attr &^= Blink
		case v == 27:
			st.Attr &^= Inverse
		case v == 28:
			st.Attr &^= Hidden
		case v == 29:
			st.Attr &^= Strike
		case v >= 30 && v <= 37:
			st.FG = IndexColor(uint8(v - 30))
		case v == 39:
			st.FG = DefaultColor
		case v >= 40 && v <= 47:
			st.BG = IndexColor(uint8(v - 40))
		case v == 49:
			st.BG = DefaultColor
		case v >= 90 && v <= 97:
			st.FG = IndexColor(uint8(v - 90 + 8))
		case v >= 100 && v <= 107:
			st.BG = IndexColor(uint8(v - 100 + 8))
		case v == 38 || v == 48 || v == 58:
			var c Color
			var ok bool
			if len(args) > 0 {
				c, ok = colonColor(args)
			} else {
				// Semicolon form: the colour's numbers are the next parameters.
				var used int
				c, used, ok = semicolonColor(nums[k+1 : n])
				if !ok {
					return st
				}
				j = k + 1 + used
			}
			switch {
			case !ok:
			case v == 38:
				st.FG = c
			case v == 48:
				st.BG = c
			}
			// 58 (underline colour) is parsed only to skip its numbers.
		}
		k = j - 1
	}
	return st
}

// colonColor parses "5:n", "2:r:g:b" or "2:cs:r:g:b" (ITU T.416, with the
// colour space id that many programs leave empty).
func colonColor(a []int) (Color, bool) {
	switch {
	case a[0] == 5 && len(a) >= 2 && a[1] <= 255:
		return IndexColor(uint8(a[1])), true
	case a[0] == 2 && len(a) >= 5:
		return rgb(a[2], a[3], a[4])
	case a[0] == 2 && len(a) == 4:
		return rgb(a[1], a[2], a[3])
	}
	return 0, false
}

// semicolonColor parses "5;n" or "2;r;g;b" and says how many numbers it used.
func semicolonColor(a []int) (c Color, used int, ok bool) {
	switch {
	case len(a) >= 2 && a[0] == 5:
		if a[1] > 255 {
			return 0, 2, false
		}
		return IndexColor(uint8(a[1])), 2, true
	case len(a) >= 4 && a[0] == 2:
		c, ok := rgb(a[1], a[2], a[3])
		return c, 4, ok
	}
	return 0, 0, false
}

func rgb(r, g, b int) (Color, bool) {
	if r > 255 || g > 255 || b > 255 {
		return 0, false
	}
	return RGBColor(uint8(r), uint8(g), uint8(b)), true
}
