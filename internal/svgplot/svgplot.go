// Package svgplot draws line charts as standalone SVG 1.1 documents, for the
// plots the simulator writes into docs/ (delivery rate per mode, latency CDF
// per mode). It needs nothing beyond the standard library and draws only
// what those plots need: lines and step curves on linear or log axes, tick
// labels as numbers, percentages or durations, a title, axis labels and a
// legend.
//
// The output depends only on the Chart, byte for byte, so regenerated plots
// differ in version control only when the data does. It uses no scripts,
// style sheets, fonts or other outside resources, and paints its own white
// background, so that it renders the same in a browser, in an image viewer
// and in GitHub's markdown preview (light or dark theme).
package svgplot

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strconv"
	"unicode/utf8"
)

// Point is one data point, in data units.
type Point struct{ X, Y float64 }

// Series is one line of a chart, drawn as a polyline through its points in
// the order given. Points with a NaN or infinite coordinate, or with a
// coordinate ≤ 0 on a log axis, are left out (the line joins their
// neighbours); the parts of the line outside the axes' ranges are cut off at
// the edge of the plot area.
type Series struct {
	Name    string // legend entry; a series with no name has none
	Points  []Point
	Dashed  bool // draw the line dashed
	Markers bool // draw a dot at each point
	// Step draws a step function: each point's Y holds until the next
	// point's X, as for an empirical CDF (see ECDF).
	Step bool
}

// Axis describes the horizontal or the vertical axis of a chart.
type Axis struct {
	Label string
	Log   bool // logarithmic scale; then Min, if set, must be > 0
	// Min and Max fix the range; both 0 means the range is taken from the
	// drawable points of all series and widened to round tick values
	// (whole decades on a log axis).
	Min, Max float64
	Percent  bool // values are fractions of 1.0 and their tick labels percentages
	// Format, if set, makes the tick labels instead of the default number
	// (or percentage) format; FormatSeconds is one.
	Format func(v float64) string
	// Ticks, if set, chooses the tick positions for the range [lo, hi]
	// instead of the default 1-2-5 steps (decades on a log axis);
	// DurationTicks is one. Positions outside the range are ignored.
	Ticks func(lo, hi float64, log bool) []float64
}

// Chart is a line chart. The zero value is an empty chart with default size.
type Chart struct {
	Title  string
	X, Y   Axis
	Series []Series
	// Width and Height are the size of the image in pixels; 0 means the
	// default 720 × 420. Sizes below 240 × 160 are raised to that.
	Width, Height int
}

// Size limits of the image, in pixels.
const (
	defaultWidth  = 720
	defaultHeight = 420
	minWidth      = 240
	minHeight     = 160
)

// palette is the Okabe–Ito set of colours that stay distinct under the
// common forms of colour blindness, in the order series get them (yellow,
// too pale on white, is left out). Series beyond its length reuse it.
var palette = [...]string{
	"#0072B2", // blue
	"#D55E00", // vermilion
	"#009E73", // bluish green
	"#CC79A7", // reddish purple
	"#E69F00", // orange
	"#56B4E9", // sky blue
	"#000000", // black
}

// Text sizes and spacing, in pixels. Text widths are estimated from the
// number of characters since no font metrics are at hand; charWidth is a
// little wide for average sans-serif text, so labels err towards room.
const (
	titleSize   = 16
	labelSize   = 13
	tickSize    = 12
	legendSize  = 13
	charWidth   = 0.6 // of the font size
	pad         = 10
	tickLength  = 5
	legendLine  = 20 // row height
	legendSwash = 26 // length of the line sample
	legendGap   = 22 // between entries
	markerR     = 3
	lineWidth   = 2
)

// Pixels per tick the default tick choice aims for.
const (
	xTickSpacing = 90
	yTickSpacing = 50
)

// WriteSVG writes the chart to w as a standalone SVG document. It fails
// only when w does or when an axis range is unusable: a fixed range with
// Min ≥ Max, a non-finite bound, a log axis with Min ≤ 0, or a range too
// wide for float64 arithmetic.
func (c *Chart) WriteSVG(w io.Writer) error {
	doc, err := c.render()
	if err != nil {
		return err
	}
	_, err = w.Write(doc)
	return err
}

// series is a Series with its points reduced to those that can be drawn.
type series struct {
	Series
	points []Point
	colour string
}

func (c *Chart) render() ([]byte, error) {
	width, height := c.Width, c.Height
	if width == 0 {
		width = defaultWidth
	}
	if height == 0 {
		height = defaultHeight
	}
	width, height = max(width, minWidth), max(height, minHeight)

	drawn := make([]series, len(c.Series))
	var xs, ys []float64
	for i, s := range c.Series {
		drawn[i] = series{Series: s, colour: palette[i%len(palette)]}
		for _, p := range s.Points {
			if usable(p.X, c.X.Log) && usable(p.Y, c.Y.Log) {
				drawn[i].points = append(drawn[i].points, p)
				xs = append(xs, p.X)
				ys = append(ys, p.Y)
			}
		}
	}

	xScale, err := newScale("X", c.X, xs, max(2, min(10, width/xTickSpacing)))
	if err != nil {
		return nil, err
	}
	yScale, err := newScale("Y", c.Y, ys, max(2, min(10, height/yTickSpacing)))
	if err != nil {
		return nil, err
	}

	l := c.layout(width, height, xScale, yScale, drawn)
	var doc svgDoc
	// About 4 KB of frame, and up to 15 bytes per coordinate pair, twice
	// that for step series.
	size := 4096
	for _, s := range drawn {
		size += 30 * len(s.points)
	}
	doc.b.Grow(size)
	doc.header(width, height, c.Title)
	doc.decorations(c, l, xScale, yScale)
	for _, s := range drawn {
		doc.series(s, l.plot, xScale, yScale)
	}
	doc.legend(l, drawn)
	doc.b.WriteString("</svg>\n")
	return doc.b.Bytes(), nil
}

// usable reports whether v can be placed on an axis.
func usable(v float64, log bool) bool {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return false
	}
	return !log || v > 0
}

// scale maps the data range of one axis to [0, 1] and holds its ticks.
type scale struct {
	axis     Axis
	lo, hi   float64 // data range
	tlo, tsp float64 // range in transformed units (log10 on a log axis): start and span
	ticks    []tick
	labels   []string
	minor    []float64
}

func newScale(name string, a Axis, values []float64, target int) (*scale, error) {
	s := &scale{axis: a}
	if a.Min == 0 && a.Max == 0 {
		s.lo, s.hi = autoRange(a.Log, values, target)
	} else {
		s.lo, s.hi = a.Min, a.Max
		switch {
		case math.IsNaN(a.Min) || math.IsNaN(a.Max) || math.IsInf(a.Min, 0) || math.IsInf(a.Max, 0):
			return nil, fmt.Errorf("svgplot: %s axis range [%g, %g] is not finite", name, a.Min, a.Max)
		case !(a.Min < a.Max):
			return nil, fmt.Errorf("svgplot: %s axis Min %g is not below Max %g", name, a.Min, a.Max)
		case a.Log && !(a.Min > 0):
			return nil, fmt.Errorf("svgplot: %s axis is logarithmic but Min %g is not above 0", name, a.Min)
		}
	}
	if a.Log {
		s.tlo = math.Log10(s.lo)
		s.tsp = math.Log10(s.hi) - s.tlo
	} else {
		s.tlo, s.tsp = s.lo, s.hi-s.lo
	}
	if math.IsInf(s.tsp, 0) || math.IsNaN(s.tsp) || !(s.tsp > 0) {
		return nil, fmt.Errorf("svgplot: %s axis range [%g, %g] cannot be drawn", name, s.lo, s.hi)
	}
	s.chooseTicks(target)
	s.labelTicks()
	return s, nil
}

// autoRange returns the range of an axis whose Min and Max are unset:
// the range of values, widened to round ticks, or a unit range without data.
func autoRange(log bool, values []float64, target int) (lo, hi float64) {
	if len(values) == 0 {
		if log {
			return 1, 10
		}
		return 0, 1
	}
	lo, hi = values[0], values[0]
	for _, v := range values[1:] {
		lo, hi = min(lo, v), max(hi, v)
	}
	if log {
		return autoLogRange(lo, hi)
	}
	return autoLinearRange(lo, hi, target)
}

func (s *scale) chooseTicks(target int) {
	if s.axis.Ticks != nil {
		for _, v := range s.axis.Ticks(s.lo, s.hi, s.axis.Log) {
			if len(s.ticks) == maxTicks {
				break
			}
			if f := s.frac(v); f >= -1e-9 && f <= 1+1e-9 {
				s.ticks = append(s.ticks, tick{v: v})
			}
		}
		return
	}
	if s.axis.Log {
		s.ticks, s.minor = logTicks(s.lo, s.hi, target)
		return
	}
	if step, ok := niceStep(s.hi-s.lo, target); ok {
		if ticks, ok := linearTicks(s.lo, s.hi, step); ok && len(ticks) >= 2 {
			s.ticks = ticks
			return
		}
	}
	s.ticks = endTicks(s.lo, s.hi)
}

func (s *scale) labelTicks() {
	s.labels = make([]string, len(s.ticks))
	for i, t := range s.ticks {
		switch {
		case s.axis.Format != nil:
			s.labels[i] = s.axis.Format(t.v)
		case s.axis.Percent && t.exact:
			s.labels[i] = decimal{t.d.mant, t.d.exp + 2}.String() + "%"
		case s.axis.Percent:
			s.labels[i] = formatPlain(t.v*100) + "%"
		case t.exact:
			s.labels[i] = t.d.String()
		default:
			s.labels[i] = formatPlain(t.v)
		}
	}
}

// farOut bounds the fraction a point may lie outside its axis range before
// clipping, so that the arithmetic stays finite; the bound is so far away
// that the direction of a line towards such a point is unchanged to well
// below a pixel.
const farOut = 1e6

// frac returns where v lies on the axis: 0 at the start, 1 at the end. It
// returns NaN for a value the axis cannot place.
func (s *scale) frac(v float64) float64 {
	t := v
	if s.axis.Log {
		if !(v > 0) {
			return math.NaN()
		}
		t = math.Log10(v)
	}
	f := (t - s.tlo) / s.tsp
	if math.IsNaN(f) {
		return f
	}
	return max(-farOut, min(farOut, f))
}

// rect is an area of the image, in pixels, y growing downwards.
type rect struct{ x0, y0, x1, y1 float64 }

func (r rect) contains(p pixel) bool {
	// A point on an edge may land a rounding error outside it.
	const eps = 1e-6
	return p.x >= r.x0-eps && p.x <= r.x1+eps && p.y >= r.y0-eps && p.y <= r.y1+eps
}

// layout is where the parts of the chart go.
type layout struct {
	width, height int
	titleY        float64
	legendTop     float64
	legendRows    [][]legendEntry
	plot          rect
}

type legendEntry struct {
	series int     // index into the drawn series
	x      float64 // left end of the line sample
}

func textWidth(s string, size float64) float64 {
	return float64(utf8.RuneCountInString(s)) * size * charWidth
}

func (c *Chart) layout(width, height int, xs, ys *scale, drawn []series) layout {
	l := layout{width: width, height: height}

	top := float64(pad)
	if c.Title != "" {
		l.titleY = top + titleSize
		top += titleSize + pad
	}

	left := float64(pad)
	if c.Y.Label != "" {
		left += labelSize + pad
	}
	widest := 0.0
	for _, s := range ys.labels {
		widest = max(widest, textWidth(s, tickSize))
	}
	left += widest + tickLength + 4

	// The last x tick label is centred on the right edge of the plot and
	// needs half its width of room.
	right := float64(pad)
	if n := len(xs.labels); n > 0 {
		right = max(right, textWidth(xs.labels[n-1], tickSize)/2+4)
	}

	bottom := float64(pad + tickLength + 4 + tickSize)
	if c.X.Label != "" {
		bottom += pad + labelSize
	}

	// The legend runs in rows above the plot, as wide as the plot.
	plotWidth := float64(width) - left - right
	x := left
	var row []legendEntry
	for i, s := range drawn {
		if s.Name == "" {
			continue
		}
		w := legendSwash + 6 + textWidth(s.Name, legendSize)
		if len(row) > 0 && x+w > left+plotWidth {
			l.legendRows = append(l.legendRows, row)
			row, x = nil, left
		}
		row = append(row, legendEntry{series: i, x: x})
		x += w + legendGap
	}
	if len(row) > 0 {
		l.legendRows = append(l.legendRows, row)
	}
	l.legendTop = top
	top += float64(len(l.legendRows)*legendLine) + pad/2

	l.plot = rect{x0: left, y0: top, x1: float64(width) - right, y1: float64(height) - bottom}
	// On a small image with long labels the margins could meet; keep the
	// plot area at least a few pixels in each direction.
	if l.plot.x1-l.plot.x0 < 20 {
		l.plot.x1 = l.plot.x0 + 20
	}
	if l.plot.y1-l.plot.y0 < 20 {
		l.plot.y1 = l.plot.y0 + 20
	}
	return l
}

// pixel is a position in the image.
type pixel struct{ x, y float64 }

func toPixel(p Point, r rect, xs, ys *scale) pixel {
	return pixel{
		x: r.x0 + xs.frac(p.X)*(r.x1-r.x0),
		y: r.y1 - ys.frac(p.Y)*(r.y1-r.y0),
	}
}

// svgDoc accumulates the document.
type svgDoc struct {
	b       bytes.Buffer
	scratch [32]byte // for formatting numbers without allocating
}

// num appends a coordinate rounded to a hundredth of a pixel, which is
// finer than any display and keeps the output short and stable. It writes
// the same text as strconv's shortest format of the rounded value, but
// from an integer count of hundredths, which is several times faster.
func (d *svgDoc) num(v float64) {
	h := math.Round(v * 100)
	if !(math.Abs(h) < 1e17) {
		d.b.Write(strconv.AppendFloat(d.scratch[:0], h/100, 'f', -1, 64))
		return
	}
	n := int64(h)
	if n < 0 {
		d.b.WriteByte('-')
		n = -n
	}
	d.b.Write(strconv.AppendInt(d.scratch[:0], n/100, 10))
	if frac := n % 100; frac != 0 {
		d.b.WriteByte('.')
		d.b.WriteByte(byte('0' + frac/10))
		if frac%10 != 0 {
			d.b.WriteByte(byte('0' + frac%10))
		}
	}
}

// text appends s escaped for XML character data or an attribute value.
func (d *svgDoc) text(s string) {
	// Writing to a bytes.Buffer cannot fail.
	_ = xml.EscapeText(&d.b, []byte(s))
}

// attrs appends name="value" pairs, the values numbers.
func (d *svgDoc) attrs(nameValues ...any) {
	for i := 0; i+1 < len(nameValues); i += 2 {
		d.b.WriteByte(' ')
		d.b.WriteString(nameValues[i].(string))
		d.b.WriteString(`="`)
		switch v := nameValues[i+1].(type) {
		case float64:
			d.num(v)
		case int:
			d.b.WriteString(strconv.Itoa(v))
		case string:
			d.text(v)
		}
		d.b.WriteByte('"')
	}
}

func (d *svgDoc) line(class string, x1, y1, x2, y2 float64) {
	d.b.WriteString("<line")
	d.attrs("class", class, "x1", x1, "y1", y1, "x2", x2, "y2", y2)
	d.b.WriteString("/>\n")
}

// label appends a <text> element; extra holds further attribute pairs.
func (d *svgDoc) label(class, s string, x, y float64, anchor string, extra ...any) {
	d.b.WriteString("<text")
	d.attrs("class", class, "x", x, "y", y, "text-anchor", anchor)
	d.attrs(extra...)
	d.b.WriteByte('>')
	d.text(s)
	d.b.WriteString("</text>\n")
}

func (d *svgDoc) header(width, height int, title string) {
	d.b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="no"?>` + "\n")
	d.b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" version="1.1"`)
	d.attrs("width", width, "height", height)
	d.b.WriteString(` viewBox="0 0 `)
	d.b.WriteString(strconv.Itoa(width) + " " + strconv.Itoa(height))
	d.b.WriteString(`" font-family="sans-serif">` + "\n")
	if title != "" {
		d.b.WriteString("<title>")
		d.text(title)
		d.b.WriteString("</title>\n")
	}
	// An opaque background keeps black text readable on a dark page.
	d.b.WriteString(`<rect width="100%" height="100%" fill="#ffffff"/>` + "\n")
}

// decorations draws everything but the series and the legend: title, grid,
// frame, ticks, tick labels and axis labels.
func (d *svgDoc) decorations(c *Chart, l layout, xs, ys *scale) {
	p := l.plot
	if c.Title != "" {
		d.label("title", c.Title, float64(l.width)/2, l.titleY, "middle",
			"font-size", titleSize, "font-weight", "bold")
	}

	xPos := func(v float64) float64 { return p.x0 + clamp01(xs.frac(v))*(p.x1-p.x0) }
	yPos := func(v float64) float64 { return p.y1 - clamp01(ys.frac(v))*(p.y1-p.y0) }

	d.b.WriteString(`<g class="grid" stroke="#dddddd" stroke-width="1">` + "\n")
	for _, t := range xs.ticks {
		x := xPos(t.v)
		d.line("grid", x, p.y0, x, p.y1)
	}
	for _, t := range ys.ticks {
		y := yPos(t.v)
		d.line("grid", p.x0, y, p.x1, y)
	}
	d.b.WriteString("</g>\n")

	d.b.WriteString("<rect")
	d.attrs("class", "plot", "x", p.x0, "y", p.y0, "width", p.x1-p.x0, "height", p.y1-p.y0,
		"fill", "none", "stroke", "#333333", "stroke-width", 1)
	d.b.WriteString("/>\n")

	d.b.WriteString(`<g class="ticks" stroke="#333333" stroke-width="1">` + "\n")
	for _, t := range xs.ticks {
		x := xPos(t.v)
		d.line("xtick", x, p.y1, x, p.y1+tickLength)
	}
	for _, v := range xs.minor {
		x := xPos(v)
		d.line("xminor", x, p.y1, x, p.y1+tickLength-2)
	}
	for _, t := range ys.ticks {
		y := yPos(t.v)
		d.line("ytick", p.x0-tickLength, y, p.x0, y)
	}
	for _, v := range ys.minor {
		y := yPos(v)
		d.line("yminor", p.x0-tickLength+2, y, p.x0, y)
	}
	d.b.WriteString("</g>\n")

	d.b.WriteString(`<g font-size="` + strconv.Itoa(tickSize) + `" fill="#333333">` + "\n")
	for i, t := range xs.ticks {
		d.label("xtick", xs.labels[i], xPos(t.v), p.y1+tickLength+4+tickSize, "middle")
	}
	for i, t := range ys.ticks {
		// A third of the font size down centres digits on the tick.
		d.label("ytick", ys.labels[i], p.x0-tickLength-4, yPos(t.v)+tickSize/3, "end")
	}
	d.b.WriteString("</g>\n")

	if c.X.Label != "" {
		d.label("xlabel", c.X.Label, (p.x0+p.x1)/2, float64(l.height-pad), "middle",
			"font-size", labelSize)
	}
	if c.Y.Label != "" {
		x, y := float64(pad+labelSize), (p.y0+p.y1)/2
		d.label("ylabel", c.Y.Label, x, y, "middle", "font-size", labelSize,
			"transform", "rotate(-90 "+coord(x)+" "+coord(y)+")")
	}
}

func coord(v float64) string {
	var d svgDoc
	d.num(v)
	return d.b.String()
}

func clamp01(f float64) float64 {
	if math.IsNaN(f) {
		return 0
	}
	return max(0, min(1, f))
}

// strokeAttrs are the attributes that draw a series' line.
func strokeAttrs(s series) []any {
	a := []any{"fill", "none", "stroke", s.colour, "stroke-width", lineWidth,
		"stroke-linejoin", "round", "stroke-linecap", "round"}
	if s.Dashed {
		a = append(a, "stroke-dasharray", "7 5")
	}
	return a
}

func (d *svgDoc) series(s series, r rect, xs, ys *scale) {
	points := s.points
	if s.Step {
		points = stepPoints(points)
	}
	pixels := make([]pixel, 0, len(points))
	for _, p := range points {
		px := toPixel(p, r, xs, ys)
		if !math.IsNaN(px.x) && !math.IsNaN(px.y) {
			pixels = append(pixels, px)
		}
	}

	d.b.WriteString("<g")
	d.attrs("class", "series")
	d.attrs(strokeAttrs(s)...)
	d.b.WriteString(">\n")
	if s.Name != "" {
		d.b.WriteString("<title>")
		d.text(s.Name)
		d.b.WriteString("</title>\n")
	}
	for _, run := range clipPolyline(pixels, r) {
		if len(run) == 1 {
			// A lone point has no line to show; a dot stands for it
			// unless markers already do.
			if !s.Markers {
				d.marker(run[0], s.colour)
			}
			continue
		}
		d.b.WriteString(`<polyline points="`)
		for i, px := range run {
			if i > 0 {
				d.b.WriteByte(' ')
			}
			d.num(px.x)
			d.b.WriteByte(',')
			d.num(px.y)
		}
		d.b.WriteString(`"/>` + "\n")
	}
	if s.Markers {
		for _, p := range s.points {
			if px := toPixel(p, r, xs, ys); r.contains(px) {
				d.marker(px, s.colour)
			}
		}
	}
	d.b.WriteString("</g>\n")
}

func (d *svgDoc) marker(px pixel, colour string) {
	d.b.WriteString("<circle")
	d.attrs("class", "marker", "cx", px.x, "cy", px.y, "r", markerR, "fill", colour, "stroke", "none")
	d.b.WriteString("/>\n")
}

// stepPoints turns the corners of a step function into the points of its
// polyline: before each point after the first, a point at its X and the
// previous Y.
func stepPoints(points []Point) []Point {
	if len(points) < 2 {
		return points
	}
	out := make([]Point, 0, 2*len(points)-1)
	out = append(out, points[0])
	for i := 1; i < len(points); i++ {
		out = append(out, Point{X: points[i].X, Y: points[i-1].Y}, points[i])
	}
	return out
}

func (d *svgDoc) legend(l layout, drawn []series) {
	if len(l.legendRows) == 0 {
		return
	}
	d.b.WriteString(`<g class="legend" font-size="` + strconv.Itoa(legendSize) + `">` + "\n")
	for row, entries := range l.legendRows {
		y := l.legendTop + float64(row*legendLine) + legendLine/2
		for _, e := range entries {
			s := drawn[e.series]
			d.b.WriteString("<line")
			d.attrs("x1", e.x, "y1", y, "x2", e.x+legendSwash, "y2", y)
			d.attrs(strokeAttrs(s)...)
			d.b.WriteString("/>\n")
			d.label("legend", s.Name, e.x+legendSwash+6, y+legendSize/3, "start", "fill", "#222222")
		}
	}
	d.b.WriteString("</g>\n")
}
