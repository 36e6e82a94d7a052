package svgplot

// clipPolyline cuts the polyline through pts to the rectangle r. It returns
// the pieces that lie inside, each a polyline of its own: one piece, the
// input unchanged, when every point is inside; more when the line leaves r
// and comes back. A single point is kept if it lies inside.
func clipPolyline(pts []pixel, r rect) [][]pixel {
	if len(pts) == 1 {
		if r.contains(pts[0]) {
			return [][]pixel{pts}
		}
		return nil
	}
	var runs [][]pixel
	var cur []pixel
	flush := func() {
		if len(cur) > 0 {
			runs = append(runs, cur)
			cur = nil
		}
	}
	for i := 1; i < len(pts); i++ {
		a, b, entered, left, ok := clipSegment(pts[i-1], pts[i], r)
		if !ok {
			flush()
			continue
		}
		if entered || len(cur) == 0 {
			flush()
			// Room for the rest of the line, the usual case being that
			// it stays inside.
			cur = make([]pixel, 0, len(pts)-i+1)
			cur = append(cur, a)
		}
		cur = append(cur, b)
		if left {
			flush()
		}
	}
	flush()
	return runs
}

// clipSegment cuts the segment from p to q to the rectangle r by the
// Liang–Barsky method. It returns the part inside, from a to b, whether the
// segment had to be shortened at its start (entered) or at its end (left),
// and ok false when no part of it is inside.
func clipSegment(p, q pixel, r rect) (a, b pixel, entered, left, ok bool) {
	dx, dy := q.x-p.x, q.y-p.y
	t0, t1 := 0.0, 1.0
	// For each edge, the point at t is on the inner side where den*t ≤ num.
	edges := [4][2]float64{
		{-dx, p.x - r.x0},
		{dx, r.x1 - p.x},
		{-dy, p.y - r.y0},
		{dy, r.y1 - p.y},
	}
	for _, e := range edges {
		den, num := e[0], e[1]
		switch {
		case den == 0:
			if num < 0 {
				return a, b, false, false, false // parallel to the edge and outside it
			}
		case den < 0:
			if t := num / den; t > t0 {
				t0 = t
			}
		default:
			if t := num / den; t < t1 {
				t1 = t
			}
		}
		if t0 > t1 {
			return a, b, false, false, false
		}
	}
	a, b = p, q
	if t0 > 0 {
		a = pixel{p.x + t0*dx, p.y + t0*dy}
	}
	if t1 < 1 {
		b = pixel{p.x + t1*dx, p.y + t1*dy}
	}
	return a, b, t0 > 0, t1 < 1, true
}
