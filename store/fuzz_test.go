package store

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"
)

// rowValues is a database row as the driver hands it to Scan: it assigns
// each value to the destination of the same position, as database/sql does
// for matching types.
type rowValues []any

func (r rowValues) Scan(dest ...any) error {
	if len(dest) != len(r) {
		return fmt.Errorf("scan of %d columns into %d destinations", len(r), len(dest))
	}
	for i, d := range dest {
		switch d := d.(type) {
		case *string:
			*d = r[i].(string)
		case *int64:
			*d = r[i].(int64)
		case *[]byte:
			*d = bytes.Clone(r[i].([]byte))
		default:
			return fmt.Errorf("destination %d is %T", i, d)
		}
	}
	return nil
}

// FuzzScanMessage feeds scanMessage rows with arbitrary values, as a damaged
// database file could: it must never panic, and a row it accepts must be
// exactly what storing the decoded message writes back.
func FuzzScanMessage(f *testing.F) {
	for i, m := range []*Message{testMessage("00000001", 1), {ID: "z", State: Enroute}} {
		row := messageRow(m)
		f.Add(row[2].(int64), row[3].(int64), row[5].(int64), row[6].(int64),
			row[9].(int64), row[10].(int64), row[11].(int64), row[12].(int64), row[13].(int64),
			row[16].(int64), row[17].(int64), row[18].(int64),
			row[19].(int64), row[20].(int64), row[21].(int64), row[22].(int64), row[23].(int64),
			fmt.Sprint("seed", i), row[14].([]byte))
	}
	f.Add(int64(-1), int64(256), int64(1<<40), int64(-1<<63), int64(0), int64(0), int64(0), int64(0), int64(0),
		int64(1<<63-1), int64(-1<<63), int64(0), int64(257), int64(-1), int64(0), int64(1<<32), int64(0),
		"bad", []byte(nil))
	f.Fuzz(func(t *testing.T, srcTON, srcNPI, dstTON, dstNPI, esm, pid, prio, dcs, regDel,
		submitted, notBefore, expires, state, attempts, next, lastErr, doneAt int64, id string, userData []byte) {
		row := rowValues{id, "acct", srcTON, srcNPI, "src", dstTON, dstNPI, "dst", "svc",
			esm, pid, prio, dcs, regDel, userData, []byte{1, 2}, submitted, notBefore, expires,
			state, attempts, next, lastErr, doneAt}
		m, err := scanMessage(row)
		if err != nil {
			return
		}
		back := rowValues(messageRow(m))
		// nonNil turns a nil user_data into an empty one; compare the bytes.
		back[14], row[14] = bytes.Clone(back[14].([]byte)), append([]byte{}, userData...)
		if !reflect.DeepEqual(back, row) {
			t.Fatalf("row\n%v\ndecoded to %+v, which stores as\n%v", row, m, back)
		}
	})
}
