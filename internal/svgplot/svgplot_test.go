package svgplot

import (
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// node is a parsed XML element with everything kept.
type node struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []node     `xml:",any"`
	Text     string     `xml:",chardata"`
}

func (n node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// all returns the elements under n (n included) named name and, when class
// is not empty, of that class, in document order.
func (n node) all(name, class string) []node {
	var found []node
	if n.XMLName.Local == name && (class == "" || n.attr("class") == class) {
		found = append(found, n)
	}
	for _, c := range n.Children {
		found = append(found, c.all(name, class)...)
	}
	return found
}

func texts(nodes []node) []string {
	var s []string
	for _, n := range nodes {
		s = append(s, n.Text)
	}
	return s
}

// render writes c and parses the result, failing t when either fails.
func render(t *testing.T, c *Chart) (node, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := c.WriteSVG(&buf); err != nil {
		t.Fatalf("WriteSVG: %v", err)
	}
	root, err := parseSVG(buf.Bytes())
	if err != nil {
		t.Fatalf("output is not well-formed XML: %v\n%s", err, buf.Bytes())
	}
	return root, buf.Bytes()
}

func parseSVG(doc []byte) (node, error) {
	var root node
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	if err := d.Decode(&root); err != nil {
		return root, err
	}
	if root.XMLName.Space != "http://www.w3.org/2000/svg" || root.XMLName.Local != "svg" {
		return root, errors.New("root element is not svg in the SVG namespace: " + root.XMLName.Space + " " + root.XMLName.Local)
	}
	return root, nil
}

func num(t testing.TB, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("bad number %q: %v", s, err)
	}
	return v
}

// plotArea returns the rectangle of the plot frame.
func plotArea(t testing.TB, root node) rect {
	t.Helper()
	frames := root.all("rect", "plot")
	if len(frames) != 1 {
		t.Fatalf("want 1 plot frame, got %d", len(frames))
	}
	f := frames[0]
	x, y := num(t, f.attr("x")), num(t, f.attr("y"))
	return rect{x, y, x + num(t, f.attr("width")), y + num(t, f.attr("height"))}
}

// polylinePoints parses the points attribute of a polyline.
func polylinePoints(t testing.TB, pl node) []pixel {
	t.Helper()
	var pts []pixel
	for _, pair := range strings.Fields(pl.attr("points")) {
		xs, ys, ok := strings.Cut(pair, ",")
		if !ok {
			t.Fatalf("bad point %q", pair)
		}
		pts = append(pts, pixel{num(t, xs), num(t, ys)})
	}
	return pts
}

// within reports whether p lies in r, allowing for the rounding of
// coordinates to hundredths.
func within(p pixel, r rect) bool {
	const eps = 0.006
	return p.x >= r.x0-eps && p.x <= r.x1+eps && p.y >= r.y0-eps && p.y <= r.y1+eps
}

func TestStructure(t *testing.T) {
	c := &Chart{
		Title: "Delivered",
		X:     Axis{Label: "loss rate", Min: 0, Max: 10},
		Y:     Axis{Label: "delivered", Min: 0, Max: 1, Percent: true},
		Series: []Series{
			{Name: "transaction", Points: []Point{{0, 1}, {5, 0.9}, {10, 0.8}}},
			{Name: "store-and-forward", Points: []Point{{0, 0.95}, {2, 0.7}, {4, 0.5}, {8, 0.3}, {10, 0.1}}, Dashed: true},
		},
	}
	root, _ := render(t, c)

	if root.attr("width") != "720" || root.attr("height") != "420" || root.attr("viewBox") != "0 0 720 420" {
		t.Errorf("size: width=%q height=%q viewBox=%q, want the 720×420 default",
			root.attr("width"), root.attr("height"), root.attr("viewBox"))
	}
	if got := root.all("title", ""); len(got) == 0 || got[0].Text != "Delivered" {
		t.Errorf("no document <title> with the chart title")
	}
	if got := texts(root.all("text", "title")); !slices.Equal(got, []string{"Delivered"}) {
		t.Errorf("title text = %q", got)
	}
	if got := texts(root.all("text", "xlabel")); !slices.Equal(got, []string{"loss rate"}) {
		t.Errorf("x label = %q", got)
	}
	if got := texts(root.all("text", "ylabel")); !slices.Equal(got, []string{"delivered"}) {
		t.Errorf("y label = %q", got)
	}

	plot := plotArea(t, root)
	groups := root.all("g", "series")
	if len(groups) != len(c.Series) {
		t.Fatalf("%d series groups, want %d", len(groups), len(c.Series))
	}
	for i, g := range groups {
		lines := g.all("polyline", "")
		if len(lines) != 1 {
			t.Fatalf("series %d: %d polylines, want 1", i, len(lines))
		}
		pts := polylinePoints(t, lines[0])
		if len(pts) != len(c.Series[i].Points) {
			t.Errorf("series %d: %d points, want %d", i, len(pts), len(c.Series[i].Points))
		}
		for _, p := range pts {
			if !within(p, plot) {
				t.Errorf("series %d: point %v outside the plot area %v", i, p, plot)
			}
		}
		// The first point of each series is at x = 0, the left edge; the
		// last at x = 10, the right edge.
		if first, last := pts[0], pts[len(pts)-1]; math.Abs(first.x-plot.x0) > 0.01 || math.Abs(last.x-plot.x1) > 0.01 {
			t.Errorf("series %d: x runs %v..%v, want the plot's %v..%v", i, first.x, last.x, plot.x0, plot.x1)
		}
	}
	// y = 1 is the top of the plot, y = 0.5 its middle.
	if p := polylinePoints(t, groups[0].all("polyline", "")[0])[0]; math.Abs(p.y-plot.y0) > 0.01 {
		t.Errorf("(0, 1) drawn at y %v, want the plot top %v", p.y, plot.y0)
	}
	if p := polylinePoints(t, groups[1].all("polyline", "")[0])[2]; math.Abs(p.y-(plot.y0+plot.y1)/2) > 0.01 {
		t.Errorf("(4, 0.5) drawn at y %v, want the plot middle %v", p.y, (plot.y0+plot.y1)/2)
	}

	if got := texts(root.all("text", "legend")); !slices.Equal(got, []string{"transaction", "store-and-forward"}) {
		t.Errorf("legend = %q", got)
	}
	if got := texts(root.all("text", "xtick")); !slices.Equal(got, []string{"0", "2", "4", "6", "8", "10"}) {
		t.Errorf("x tick labels = %q", got)
	}
	if got := texts(root.all("text", "ytick")); !slices.Equal(got, []string{"0%", "20%", "40%", "60%", "80%", "100%"}) {
		t.Errorf("y tick labels = %q", got)
	}

	// The dashed series, and only it, is dashed, in the legend too.
	if groups[0].attr("stroke-dasharray") != "" || groups[1].attr("stroke-dasharray") == "" {
		t.Errorf("dash arrays %q, %q: want only the second series dashed",
			groups[0].attr("stroke-dasharray"), groups[1].attr("stroke-dasharray"))
	}
	legendLines := root.all("g", "legend")[0].all("line", "")
	if len(legendLines) != 2 || legendLines[0].attr("stroke-dasharray") != "" || legendLines[1].attr("stroke-dasharray") == "" {
		t.Errorf("legend line samples do not match the series' dashes")
	}
	for i, g := range groups {
		if g.attr("stroke") != legendLines[i].attr("stroke") {
			t.Errorf("series %d colour %s, legend %s", i, g.attr("stroke"), legendLines[i].attr("stroke"))
		}
	}
	checkNoForeignContent(t, root)
}

// checkNoForeignContent fails t if the document uses anything a markdown
// preview would refuse or fetch: scripts, foreign objects, links, images.
func checkNoForeignContent(t *testing.T, root node) {
	t.Helper()
	for _, name := range []string{"script", "foreignObject", "a", "image", "use", "style"} {
		if n := len(root.all(name, "")); n > 0 {
			t.Errorf("document has %d <%s> elements", n, name)
		}
	}
	var walk func(n node)
	walk = func(n node) {
		for _, a := range n.Attrs {
			if strings.HasPrefix(a.Name.Local, "on") || a.Name.Local == "href" {
				t.Errorf("<%s> has attribute %s", n.XMLName.Local, a.Name.Local)
			}
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(root)
}

func TestLinearTickLabels(t *testing.T) {
	tests := []struct {
		name string
		axis Axis
		want []string
	}{
		{"tenths", Axis{Min: 0, Max: 1}, []string{"0", "0.2", "0.4", "0.6", "0.8", "1"}},
		{"negative", Axis{Min: -30, Max: 30}, []string{"-30", "-20", "-10", "0", "10", "20", "30"}},
		{"offset range", Axis{Min: 0.3, Max: 1.1}, []string{"0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1", "1.1"}},
		{"percent", Axis{Min: 0.9, Max: 1, Percent: true}, []string{"90%", "92%", "94%", "96%", "98%", "100%"}},
		{"format", Axis{Min: 0, Max: 4, Format: func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) + "x" }},
			[]string{"0.0x", "0.5x", "1.0x", "1.5x", "2.0x", "2.5x", "3.0x", "3.5x", "4.0x"}},
		{"large", Axis{Min: 0, Max: 5e9}, []string{"0", "1e9", "2e9", "3e9", "4e9", "5e9"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, _ := render(t, &Chart{X: tt.axis})
			if got := texts(root.all("text", "xtick")); !slices.Equal(got, tt.want) {
				t.Errorf("x tick labels = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLogTicksAtDecades(t *testing.T) {
	c := &Chart{
		X: Axis{Log: true, Min: 0.1, Max: 1e5},
		Y: Axis{Log: true, Min: 1, Max: 1000},
	}
	root, _ := render(t, c)
	want := []string{"0.1", "1", "10", "100", "1000", "10000", "100000"}
	labels := root.all("text", "xtick")
	if got := texts(labels); !slices.Equal(got, want) {
		t.Fatalf("x tick labels = %q, want %q", got, want)
	}
	// Decades are evenly spaced and span the plot.
	plot := plotArea(t, root)
	gap := (plot.x1 - plot.x0) / float64(len(want)-1)
	for i, l := range labels {
		if x := num(t, l.attr("x")); math.Abs(x-(plot.x0+float64(i)*gap)) > 0.02 {
			t.Errorf("tick %s at x %v, want %v", l.Text, x, plot.x0+float64(i)*gap)
		}
	}
	if got := texts(root.all("text", "ytick")); !slices.Equal(got, []string{"1", "10", "100", "1000"}) {
		t.Errorf("y tick labels = %q", got)
	}
	// 2..9 of each of the 6 decades.
	if n := len(root.all("line", "xminor")); n != 6*8 {
		t.Errorf("%d minor x ticks, want %d", n, 6*8)
	}
}

func TestLogTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		want   []string
	}{
		{1e-3, 1e3, []string{"0.001", "0.01", "0.1", "1", "10", "100", "1000"}},
		// 21 decades, thinned to every third.
		{1e-10, 1e10, []string{"1e-9", "1e-6", "0.001", "1", "1000", "1000000", "1e9"}},
		// Less than two decades: 1-2-5 ticks.
		{2, 60, []string{"2", "5", "10", "20", "50"}},
		// Too narrow even for those: linear ticks.
		{2, 3, []string{"2", "2.2", "2.4", "2.6", "2.8", "3"}},
	}
	for _, tt := range tests {
		major, _ := logTicks(tt.lo, tt.hi, 7)
		var got []string
		for _, tk := range major {
			got = append(got, tk.d.String())
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("logTicks(%g, %g) = %q, want %q", tt.lo, tt.hi, got, tt.want)
		}
	}
}

func TestAutoRange(t *testing.T) {
	c := &Chart{
		X: Axis{},
		Y: Axis{Log: true},
		Series: []Series{
			{Points: []Point{{0.13, 3}, {4.7, 250}}},
			{Points: []Point{{2, 0.5}}},
		},
	}
	root, _ := render(t, c)
	if got := texts(root.all("text", "xtick")); !slices.Equal(got, []string{"0", "1", "2", "3", "4", "5"}) {
		t.Errorf("auto x ticks = %q, want 0..5", got)
	}
	if got := texts(root.all("text", "ytick")); !slices.Equal(got, []string{"0.1", "1", "10", "100", "1000"}) {
		t.Errorf("auto log y ticks = %q, want 0.1..1000", got)
	}
	plot := plotArea(t, root)
	for _, pl := range root.all("polyline", "") {
		for _, p := range polylinePoints(t, pl) {
			if !within(p, plot) {
				t.Errorf("point %v outside the plot %v", p, plot)
			}
		}
	}

	for _, tt := range []struct {
		values         []float64
		log            bool
		wantLo, wantHi float64
	}{
		{nil, false, 0, 1},
		{nil, true, 1, 10},
		// 5 ± 10 % is 4.5..5.5, widened to the 0.2 step.
		{[]float64{5}, false, 4.4, 5.6},
		{[]float64{0}, false, -1, 1},
		{[]float64{10}, true, 10, 100},
		{[]float64{3, 3}, true, 1, 10},
		{[]float64{-7, 12}, false, -10, 15},
	} {
		lo, hi := autoRange(tt.log, tt.values, 5)
		if lo != tt.wantLo || hi != tt.wantHi {
			t.Errorf("autoRange(log=%v, %v) = [%v, %v], want [%v, %v]", tt.log, tt.values, lo, hi, tt.wantLo, tt.wantHi)
		}
	}
}

func TestClipping(t *testing.T) {
	c := &Chart{
		X: Axis{Min: 0, Max: 10},
		Y: Axis{Min: 0, Max: 10},
		Series: []Series{{
			Name: "wanders off",
			// In, out through the top, back in, out through the right.
			Points:  []Point{{1, 1}, {3, 20}, {5, 5}, {6, 5}, {30, 5}, {40, -3}},
			Markers: true,
		}, {
			Name:   "never inside",
			Points: []Point{{-5, -5}, {-1, 20}, {20, 20}},
		}},
	}
	root, _ := render(t, c)
	plot := plotArea(t, root)
	groups := root.all("g", "series")
	lines := groups[0].all("polyline", "")
	if len(lines) != 2 {
		t.Fatalf("%d pieces, want 2", len(lines))
	}
	for _, pl := range lines {
		for _, p := range polylinePoints(t, pl) {
			if !within(p, plot) {
				t.Errorf("point %v outside the plot %v", p, plot)
			}
		}
	}
	first, second := polylinePoints(t, lines[0]), polylinePoints(t, lines[1])
	// The first piece ends on the top edge, the second starts on it and
	// ends on the right edge at y = 5.
	if len(first) != 2 || math.Abs(first[1].y-plot.y0) > 0.01 {
		t.Errorf("first piece %v, want 2 points ending on the top edge %v", first, plot.y0)
	}
	if len(second) != 4 || math.Abs(second[0].y-plot.y0) > 0.01 || math.Abs(second[3].x-plot.x1) > 0.01 ||
		math.Abs(second[3].y-(plot.y0+plot.y1)/2) > 0.01 {
		t.Errorf("second piece %v, want 4 points from the top edge to the middle of the right edge", second)
	}
	// Markers only for the three points inside.
	if n := len(groups[0].all("circle", "marker")); n != 3 {
		t.Errorf("%d markers, want 3", n)
	}
	if n := len(groups[1].all("polyline", "")); n != 0 {
		t.Errorf("series entirely outside drew %d polylines", n)
	}
}

func TestSkipsUnplaceablePoints(t *testing.T) {
	c := &Chart{
		X: Axis{Log: true},
		Series: []Series{{
			Points: []Point{{1, 1}, {math.NaN(), 2}, {2, math.Inf(1)}, {0, 3}, {-4, 3}, {10, 4}, {math.Inf(1), 5}, {100, 5}},
		}},
	}
	root, _ := render(t, c)
	lines := root.all("polyline", "")
	if len(lines) != 1 {
		t.Fatalf("%d polylines, want 1", len(lines))
	}
	if pts := polylinePoints(t, lines[0]); len(pts) != 3 {
		t.Errorf("%d points, want the 3 placeable ones", len(pts))
	}
	if got := texts(root.all("text", "xtick")); !slices.Equal(got, []string{"1", "10", "100"}) {
		t.Errorf("x ticks %q: the range should come from the placeable points only", got)
	}
}

func TestStep(t *testing.T) {
	c := &Chart{
		X:      Axis{Min: 0, Max: 4},
		Y:      Axis{Min: 0, Max: 1},
		Series: []Series{{Points: []Point{{1, 0.25}, {2, 0.5}, {3, 1}}, Step: true}},
	}
	root, _ := render(t, c)
	pts := polylinePoints(t, root.all("polyline", "")[0])
	if len(pts) != 5 {
		t.Fatalf("%d points, want 5 (3 corners and 2 risers)", len(pts))
	}
	for i := 1; i < len(pts); i++ {
		horizontal := pts[i].y == pts[i-1].y
		vertical := pts[i].x == pts[i-1].x
		if i%2 == 1 && !horizontal || i%2 == 0 && !vertical {
			t.Errorf("segment %d from %v to %v: want horizontal then vertical", i, pts[i-1], pts[i])
		}
	}
}

func TestLonePoint(t *testing.T) {
	root, _ := render(t, &Chart{Series: []Series{{Name: "one", Points: []Point{{1, 1}}}}})
	if n := len(root.all("polyline", "")); n != 0 {
		t.Errorf("%d polylines for one point", n)
	}
	if n := len(root.all("circle", "marker")); n != 1 {
		t.Errorf("%d dots for one point, want 1", n)
	}
}

func TestEmptyChart(t *testing.T) {
	root, doc := render(t, &Chart{})
	if !bytes.HasPrefix(doc, []byte("<?xml ")) {
		t.Errorf("no XML declaration")
	}
	if n := len(root.all("g", "series")) + len(root.all("g", "legend")) + len(root.all("title", "")); n != 0 {
		t.Errorf("empty chart has %d series, legend or title elements", n)
	}
	if len(root.all("text", "xtick")) < 2 || len(root.all("text", "ytick")) < 2 {
		t.Errorf("empty chart lacks axis ticks")
	}
	checkNoForeignContent(t, root)

	// Series without names or drawable points are still no trouble.
	root, _ = render(t, &Chart{Series: []Series{{}, {Points: []Point{{math.NaN(), 1}}}}})
	if n := len(root.all("g", "legend")); n != 0 {
		t.Errorf("legend drawn for unnamed series")
	}
}

func TestDeterministic(t *testing.T) {
	chart := func() *Chart {
		return &Chart{
			Title: "latency",
			X:     Axis{Log: true, Format: FormatSeconds, Ticks: DurationTicks},
			Y:     Axis{Percent: true, Min: 0, Max: 1},
			Series: []Series{
				{Name: "a", Points: ECDF([]float64{0.3, 2, 2, 50, 4000, math.Inf(1)}), Step: true},
				{Name: "b", Points: ECDF([]float64{1, 90, 7200, 86400 * 3}), Step: true, Dashed: true, Markers: true},
			},
		}
	}
	var first, second bytes.Buffer
	c := chart()
	if err := c.WriteSVG(&first); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteSVG(&second); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.Bytes(), second.Bytes()) {
		t.Errorf("two writes of one chart differ")
	}
	second.Reset()
	if err := chart().WriteSVG(&second); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.Bytes(), second.Bytes()) {
		t.Errorf("writes of two equal charts differ")
	}
}

func TestEscaping(t *testing.T) {
	const nasty = `a<b & c>d "e" 'f'`
	c := &Chart{
		Title:  nasty,
		X:      Axis{Label: nasty, Min: 0, Max: 1, Format: func(float64) string { return "<&>" }},
		Y:      Axis{Label: nasty},
		Series: []Series{{Name: nasty, Points: []Point{{0, 0}, {1, 1}}}},
	}
	root, doc := render(t, c)
	if bytes.Contains(doc, []byte("<b &")) || bytes.Contains(doc, []byte("<&>")) {
		t.Errorf("raw markup characters in the output")
	}
	for _, class := range []string{"title", "xlabel", "ylabel", "legend"} {
		if got := texts(root.all("text", class)); !slices.Equal(got, []string{nasty}) {
			t.Errorf("%s text = %q, want %q", class, got, nasty)
		}
	}
	for _, l := range texts(root.all("text", "xtick")) {
		if l != "<&>" {
			t.Errorf("tick label %q, want <&>", l)
		}
	}
	// Control characters that XML cannot carry are replaced, not written.
	if _, err := parseSVG(mustRender(t, &Chart{Title: "bell\x07 \xff"})); err != nil {
		t.Errorf("title with control and invalid bytes: %v", err)
	}
}

func mustRender(t *testing.T, c *Chart) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := c.WriteSVG(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestPaletteCycles(t *testing.T) {
	c := &Chart{}
	for i := range 2 * len(palette) {
		c.Series = append(c.Series, Series{Name: strconv.Itoa(i), Points: []Point{{0, float64(i)}, {1, float64(i)}}})
	}
	root, _ := render(t, c)
	groups := root.all("g", "series")
	seen := map[string]bool{}
	for i := range len(palette) {
		colour := groups[i].attr("stroke")
		if seen[colour] {
			t.Errorf("colour %s used twice in the first cycle", colour)
		}
		seen[colour] = true
		if again := groups[i+len(palette)].attr("stroke"); again != colour {
			t.Errorf("series %d has %s, want %s as series %d", i+len(palette), again, colour, i)
		}
	}
	// All legend entries fit in the image.
	width := num(t, root.attr("width"))
	for _, l := range root.all("text", "legend") {
		if x := num(t, l.attr("x")); x+textWidth(l.Text, legendSize) > width {
			t.Errorf("legend entry %q runs off the image", l.Text)
		}
	}
}

func TestSize(t *testing.T) {
	root, _ := render(t, &Chart{Width: 1000, Height: 500})
	if root.attr("width") != "1000" || root.attr("height") != "500" {
		t.Errorf("size %s×%s, want 1000×500", root.attr("width"), root.attr("height"))
	}
	root, _ = render(t, &Chart{Width: -5, Height: 3, Title: "tiny"})
	if root.attr("width") != strconv.Itoa(minWidth) || root.attr("height") != strconv.Itoa(minHeight) {
		t.Errorf("size %s×%s, want the minimum", root.attr("width"), root.attr("height"))
	}
	plot := plotArea(t, root)
	if plot.x1 <= plot.x0 || plot.y1 <= plot.y0 {
		t.Errorf("empty plot area %v", plot)
	}
}

func TestAxisErrors(t *testing.T) {
	for _, a := range []Axis{
		{Min: 1, Max: 1},
		{Min: 2, Max: 1},
		{Min: 0, Max: math.Inf(1)},
		{Min: math.NaN(), Max: 1},
		{Log: true, Min: -1, Max: 10},
		{Log: true, Min: 0, Max: 10},
		{Min: -math.MaxFloat64, Max: math.MaxFloat64},
	} {
		for _, c := range []*Chart{{X: a}, {Y: a}} {
			if err := c.WriteSVG(&bytes.Buffer{}); err == nil {
				t.Errorf("axis %+v accepted", a)
			}
		}
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func TestWriteError(t *testing.T) {
	want := errors.New("disk full")
	if err := (&Chart{}).WriteSVG(failingWriter{want}); !errors.Is(err, want) {
		t.Errorf("WriteSVG = %v, want the writer's error", err)
	}
}

func TestECDF(t *testing.T) {
	got := ECDF([]float64{3, 1, 2, 2, math.NaN(), math.Inf(1), 1, 5})
	want := []Point{{1, 0.25}, {2, 0.5}, {3, 0.625}, {5, 0.75}}
	if !slices.Equal(got, want) {
		t.Errorf("ECDF = %v, want %v", got, want)
	}
	if got := ECDF(nil); got != nil {
		t.Errorf("ECDF(nil) = %v", got)
	}
	in := []float64{2, 1}
	ECDF(in)
	if in[0] != 2 {
		t.Errorf("ECDF sorted its input")
	}
}

func TestDecimalString(t *testing.T) {
	for _, tt := range []struct {
		d    decimal
		want string
	}{
		{decimal{0, 5}, "0"},
		{decimal{3, -1}, "0.3"},
		{decimal{-25, -2}, "-0.25"},
		{decimal{10, -1}, "1"},
		{decimal{120, 0}, "120"},
		{decimal{5, 8}, "500000000"},
		{decimal{5, 9}, "5e9"},
		{decimal{25, 10}, "2.5e11"},
		{decimal{1, -5}, "0.00001"},
		{decimal{1, -6}, "1e-6"},
		{decimal{1, -7}, "1e-7"},
		{decimal{15, -8}, "1.5e-7"},
	} {
		if got := tt.d.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestClipSegment(t *testing.T) {
	r := rect{0, 0, 10, 10}
	for _, tt := range []struct {
		p, q          pixel
		a, b          pixel
		entered, left bool
		ok            bool
	}{
		{pixel{1, 1}, pixel{9, 9}, pixel{1, 1}, pixel{9, 9}, false, false, true},
		{pixel{-5, 5}, pixel{5, 5}, pixel{0, 5}, pixel{5, 5}, true, false, true},
		{pixel{5, 5}, pixel{5, 15}, pixel{5, 5}, pixel{5, 10}, false, true, true},
		{pixel{-10, 5}, pixel{20, 5}, pixel{0, 5}, pixel{10, 5}, true, true, true},
		{pixel{-1, -1}, pixel{-1, 20}, pixel{}, pixel{}, false, false, false},
		{pixel{-5, 6}, pixel{6, -5}, pixel{0, 1}, pixel{1, 0}, true, true, true},
		{pixel{-5, 4}, pixel{4, -5}, pixel{}, pixel{}, false, false, false},
	} {
		a, b, entered, left, ok := clipSegment(tt.p, tt.q, r)
		if ok != tt.ok || ok && (a != tt.a || b != tt.b || entered != tt.entered || left != tt.left) {
			t.Errorf("clipSegment(%v, %v) = %v %v %v %v %v, want %v %v %v %v %v",
				tt.p, tt.q, a, b, entered, left, ok, tt.a, tt.b, tt.entered, tt.left, tt.ok)
		}
	}
}

// FuzzWriteSVG draws a chart of arbitrary points on arbitrary axes and
// checks that the output is well-formed SVG with every line inside the plot.
func FuzzWriteSVG(f *testing.F) {
	f.Add([]byte{}, false, false, 0.0, 0.0, false)
	f.Add(floatBytes(0.1, 0.5, 1, 0.7, 1e5, 1), true, false, 0.1, 1e5, true)
	f.Add(floatBytes(0, 0, 1, math.NaN(), math.Inf(1), 3, -2, 1e300), false, true, 0.0, 0.0, false)
	f.Add(floatBytes(5e-324, 5e-324, 1.7e308, 1.7e308), true, true, 0.0, 0.0, false)
	f.Fuzz(func(t *testing.T, data []byte, logX, logY bool, lo, hi float64, step bool) {
		values := bytesFloats(data)
		var pts []Point
		for i := 0; i+1 < len(values); i += 2 {
			pts = append(pts, Point{values[i], values[i+1]})
		}
		c := &Chart{
			X:      Axis{Log: logX, Min: lo, Max: hi},
			Y:      Axis{Log: logY, Percent: step},
			Series: []Series{{Name: "s", Points: pts, Step: step, Markers: !step}, {Name: "t", Points: pts[len(pts)/2:]}},
		}
		var buf bytes.Buffer
		if err := c.WriteSVG(&buf); err != nil {
			return // an unusable fixed range
		}
		root, err := parseSVG(buf.Bytes())
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, buf.Bytes())
		}
		plot := plotArea(t, root)
		for _, pl := range root.all("polyline", "") {
			for _, p := range polylinePoints(t, pl) {
				if !within(p, plot) {
					t.Fatalf("point %v outside the plot %v", p, plot)
				}
			}
		}
		for _, c := range root.all("circle", "marker") {
			if p := (pixel{num(t, c.attr("cx")), num(t, c.attr("cy"))}); !within(p, plot) {
				t.Fatalf("marker %v outside the plot %v", p, plot)
			}
		}
	})
}

func floatBytes(vs ...float64) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

// bytesFloats reads data as little-endian float64s, ignoring a short tail.
func bytesFloats(data []byte) []float64 {
	var vs []float64
	for ; len(data) >= 8; data = data[8:] {
		vs = append(vs, math.Float64frombits(binary.LittleEndian.Uint64(data)))
	}
	return vs
}

func BenchmarkWriteSVG(b *testing.B) {
	samples := make([]float64, 2000)
	for i := range samples {
		// A spread of latencies from 0.1 s to a few days.
		samples[i] = 0.1 * math.Pow(1.0065, float64(i))
	}
	c := &Chart{
		Title: "latency",
		X:     Axis{Label: "latency", Log: true, Min: 0.1, Max: 7 * day, Format: FormatSeconds, Ticks: DurationTicks},
		Y:     Axis{Label: "delivered", Percent: true, Min: 0, Max: 1},
		Series: []Series{
			{Name: "transaction", Points: ECDF(samples[:1500]), Step: true},
			{Name: "store-and-forward", Points: ECDF(samples), Step: true, Dashed: true},
		},
	}
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := c.WriteSVG(&buf); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
}

func TestNum(t *testing.T) {
	for _, tt := range []struct {
		v    float64
		want string
	}{
		{0, "0"},
		{-0.001, "0"},
		{12.346, "12.35"},
		{12.3, "12.3"},
		{-7.06, "-7.06"},
		{705.2, "705.2"},
		{1e20, "100000000000000000000"},
	} {
		var d svgDoc
		d.num(tt.v)
		if got := d.b.String(); got != tt.want {
			t.Errorf("num(%v) = %q, want %q", tt.v, got, tt.want)
		}
		if v, err := strconv.ParseFloat(d.b.String(), 64); err != nil || math.Abs(v-tt.v) > 0.005 {
			t.Errorf("num(%v) = %q does not read back within 0.005", tt.v, d.b.String())
		}
	}
}
