package smsc

// fifo is a first-in first-out queue that reuses its backing array: the
// gate's waiters and the transaction engine's finished keys both churn
// through one at high rates, and a slice re-sliced from the front would
// keep reallocating.
type fifo[T any] struct {
	items []T
	head  int
}

func (q *fifo[T]) len() int { return len(q.items) - q.head }

func (q *fifo[T]) put(v T) { q.items = append(q.items, v) }

// peek returns the oldest item; the queue must not be empty.
func (q *fifo[T]) peek() T { return q.items[q.head] }

// take removes and returns the oldest item; the queue must not be empty.
func (q *fifo[T]) take() T {
	v := q.items[q.head]
	var zero T
	q.items[q.head] = zero // drop the references for the collector
	q.head++
	switch n := q.len(); {
	case n == 0:
		q.items, q.head = q.items[:0], 0
	case q.head >= 1024 && q.head >= n:
		// Mostly dead space at the front: slide the live part down.
		copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items, q.head = q.items[:n], 0
	}
	return v
}
