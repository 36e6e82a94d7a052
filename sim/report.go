package sim

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/txpush/txpush/internal/svgplot"
)

// percent formats a share of the pushes.
func percent(r *Result, n int) string {
	return strconv.FormatFloat(100*r.Share(n), 'f', 2, 64)
}

// human formats a duration for a table: three significant figures.
func human(d time.Duration, ok bool) string {
	if !ok {
		return "–"
	}
	switch {
	case d < time.Minute:
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + " s"
	case d < time.Hour:
		return strconv.FormatFloat(d.Minutes(), 'f', 1, 64) + " min"
	default:
		return strconv.FormatFloat(d.Hours(), 'f', 1, 64) + " h"
	}
}

func pct(sorted []time.Duration, q float64) string { return human(Percentile(sorted, q)) }

// WriteMarkdown writes the results as a markdown table, one row per point
// and mode.
func WriteMarkdown(w io.Writer, results []*Result) error {
	var b strings.Builder
	param := "point"
	if len(results) > 0 && results[0].Param != "" {
		param = results[0].Param
	}
	b.WriteString("| " + param + " | mode | ≤ 30 s % | ≤ 5 min % | ≤ 1 h % | ever % | latency p50 | p90 | p99 | SMS per delivered | PI told p50 | PI told p90 | PI never told % | told delivered, not received | told failed/unknown, received |\n")
	b.WriteString("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, r := range results {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %.2f | %s | %s | %s | %d | %d |\n",
			r.Value, r.Mode, percent(r, r.Within30s), percent(r, r.Within5m), percent(r, r.Within1h), percent(r, r.Delivered()),
			pct(r.Latencies, 0.5), pct(r.Latencies, 0.9), pct(r.Latencies, 0.99), r.SMSPerDelivered(),
			pct(r.Known, 0.5), pct(r.Known, 0.9), percent(r, r.Unknown), r.FalseDelivered, r.FalseFailed)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// csvHeader names the CSV's columns; durations are in seconds.
var csvHeader = []string{"param", "value", "mode", "pushes", "accepted",
	"within_30s", "within_5m", "within_1h", "delivered",
	"latency_p50_s", "latency_p90_s", "latency_p99_s", "air_sms", "sms_per_delivered",
	"told_delivered", "told_failed", "never_told", "told_p50_s", "told_p90_s", "told_p99_s",
	"false_delivered", "false_failed", "simulated_s", "wall_s"}

func seconds(sorted []time.Duration, q float64) string {
	d, ok := Percentile(sorted, q)
	if !ok {
		return ""
	}
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
}

// WriteCSV writes the results as CSV with a header row.
func WriteCSV(w io.Writer, results []*Result) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, r := range results {
		itoa := strconv.Itoa
		row := []string{r.Param, r.Value, r.Mode, itoa(r.Pushes), itoa(r.Accepted),
			itoa(r.Within30s), itoa(r.Within5m), itoa(r.Within1h), itoa(r.Delivered()),
			seconds(r.Latencies, 0.5), seconds(r.Latencies, 0.9), seconds(r.Latencies, 0.99),
			strconv.FormatUint(r.AirSMS, 10), strconv.FormatFloat(r.SMSPerDelivered(), 'f', 4, 64),
			itoa(r.ToldDelivered), itoa(r.ToldFailed), itoa(r.Unknown),
			seconds(r.Known, 0.5), seconds(r.Known, 0.9), seconds(r.Known, 0.99),
			itoa(r.FalseDelivered), itoa(r.FalseFailed),
			strconv.FormatFloat(r.Simulated.Seconds(), 'f', 0, 64), strconv.FormatFloat(r.Wall.Seconds(), 'f', 2, 64)}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// modeOrder lists the modes of results in the order they first appear.
func modeOrder(results []*Result) []string {
	var names []string
	seen := map[string]bool{}
	for _, r := range results {
		if !seen[r.Mode] {
			seen[r.Mode] = true
			names = append(names, r.Mode)
		}
	}
	return names
}

// SuccessChart plots, per mode, the share of pushes reassembled against
// the swept parameter: ever (solid) or within the given time.
func SuccessChart(results []*Result, param Param, within string) *svgplot.Chart {
	c := &svgplot.Chart{
		Title: "Pushes reassembled at the handset " + within + ", by " + param.Name,
		X:     svgplot.Axis{Label: param.Usage, Log: param.Log},
		Y:     svgplot.Axis{Label: "pushes reassembled " + within, Percent: true, Min: 0, Max: 1},
	}
	if param.Duration {
		c.X.Format, c.X.Ticks = svgplot.FormatSeconds, svgplot.DurationTicks
		c.X.Label += " (log scale)"
	}
	if param.Categorical {
		// The values are names, at 1, 2, 3…: label those places.
		var names []string
		for _, r := range results {
			if i := int(r.X) - 1; i >= len(names) {
				names = append(names, r.Value)
			}
		}
		c.X.Min, c.X.Max = 0.5, float64(len(names))+0.5
		c.X.Ticks = func(lo, hi float64, _ bool) []float64 {
			ticks := make([]float64, len(names))
			for i := range names {
				ticks[i] = float64(i + 1)
			}
			return ticks
		}
		c.X.Format = func(v float64) string {
			if i := int(math.Round(v)) - 1; i >= 0 && i < len(names) {
				return names[i]
			}
			return ""
		}
	}
	count := func(r *Result) int {
		switch within {
		case "within 30 s":
			return r.Within30s
		case "within 5 min":
			return r.Within5m
		case "within 1 h":
			return r.Within1h
		}
		return r.Delivered()
	}
	for _, mode := range modeOrder(results) {
		s := svgplot.Series{Name: mode, Markers: true, Dashed: strings.HasPrefix(mode, "saf")}
		for _, r := range results {
			if r.Mode == mode {
				s.Points = append(s.Points, svgplot.Point{X: r.X, Y: r.Share(count(r))})
			}
		}
		c.Series = append(c.Series, s)
	}
	return c
}

// LatencyChart plots, per mode, the share of pushes reassembled by each
// time after acceptance, for the results of one point.
func LatencyChart(results []*Result, title string) *svgplot.Chart {
	c := &svgplot.Chart{
		Title: title,
		X: svgplot.Axis{Label: "time from PAP acceptance to reassembly at the handset (log scale)", Log: true,
			Min: 0.1, Max: 8 * 24 * 3600, Format: svgplot.FormatSeconds, Ticks: svgplot.DurationTicks},
		Y: svgplot.Axis{Label: "pushes reassembled by then", Percent: true, Min: 0, Max: 1},
	}
	for _, r := range results {
		s := svgplot.Series{Name: r.Mode, Step: true, Dashed: strings.HasPrefix(r.Mode, "saf")}
		// At most about 400 steps: a point per 1/400 of the pushes, and
		// the last.
		stride := max(1, len(r.Latencies)/400)
		for i := 0; i < len(r.Latencies); i += stride {
			s.Points = append(s.Points, svgplot.Point{X: math.Max(r.Latencies[i].Seconds(), 0.1), Y: r.Share(i + 1)})
		}
		if n := len(r.Latencies); n > 0 {
			s.Points = append(s.Points, svgplot.Point{X: math.Max(r.Latencies[n-1].Seconds(), 0.1), Y: r.Share(n)},
				svgplot.Point{X: 8 * 24 * 3600, Y: r.Share(n)})
		}
		c.Series = append(c.Series, s)
	}
	return c
}

// WriteFiles writes results.csv, results.md and the plots into dir:
// delivered-ever.svg, delivered-30s.svg and, for the point at index
// cdfPoint, latency-cdf.svg.
func WriteFiles(dir string, results []*Result, param Param, cdfPoint string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	write := func(name string, f func(io.Writer) error) error {
		file, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		if err := f(file); err != nil {
			file.Close()
			return fmt.Errorf("%s: %w", name, err)
		}
		return file.Close()
	}
	var point []*Result
	for _, r := range results {
		if r.Value == cdfPoint {
			point = append(point, r)
		}
	}
	charts := []struct {
		name  string
		chart *svgplot.Chart
	}{
		{"delivered-ever.svg", SuccessChart(results, param, "ever")},
		{"delivered-30s.svg", SuccessChart(results, param, "within 30 s")},
		{"latency-cdf.svg", LatencyChart(point, fmt.Sprintf("Latency, %s = %s", param.Name, cdfPoint))},
	}
	if err := write("results.csv", func(w io.Writer) error { return WriteCSV(w, results) }); err != nil {
		return err
	}
	if err := write("results.md", func(w io.Writer) error { return WriteMarkdown(w, results) }); err != nil {
		return err
	}
	for _, c := range charts {
		if err := write(c.name, c.chart.WriteSVG); err != nil {
			return err
		}
	}
	return nil
}
