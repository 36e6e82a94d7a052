package svgplot_test

import (
	"bytes"
	"fmt"
	"log"
	"strings"

	"github.com/txpush/txpush/internal/svgplot"
)

func ExampleChart_WriteSVG() {
	c := &svgplot.Chart{
		Title: "Latency",
		X: svgplot.Axis{Label: "time to delivery", Log: true, Min: 0.1, Max: 86400,
			Ticks: svgplot.DurationTicks, Format: svgplot.FormatSeconds},
		Y: svgplot.Axis{Label: "delivered", Percent: true, Min: 0, Max: 1},
		Series: []svgplot.Series{
			{Name: "transaction", Points: svgplot.ECDF([]float64{2.1, 2.4, 3.0, 5.5}), Step: true},
			{Name: "store-and-forward", Points: svgplot.ECDF([]float64{3, 40, 900, 7200}), Step: true, Dashed: true},
		},
	}
	var buf bytes.Buffer
	if err := c.WriteSVG(&buf); err != nil {
		log.Fatal(err)
	}
	first, _, _ := strings.Cut(buf.String(), "\n")
	fmt.Println(first)
	// Output:
	// <?xml version="1.0" encoding="UTF-8" standalone="no"?>
}
