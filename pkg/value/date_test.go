package value

import (
	"fmt"
	"testing"
	"time"
)

// ISODate accepts exactly the YYYY-MM-DD strings time.Parse reads as a day that exists.
func TestISODateAsTimeParse(t *testing.T) {
	for _, y := range []string{"0000", "0004", "1900", "2000", "2023", "2024", "9999", "20a4"} {
		for m := -1; m <= 13; m++ {
			for d := -1; d <= 32; d++ {
				s := fmt.Sprintf("%s-%02d-%02d", y, m, d)
				_, err := time.Parse(time.DateOnly, s)
				if got, want := ISODate(s), err == nil && len(s) == 10; got != want {
					t.Errorf("ISODate(%q) = %v, time.Parse says %v", s, got, want)
				}
			}
		}
	}
	for _, s := range []string{"2024-1x-01", "2024-01-x1", "2024-01-0 ", "2024/01/01", "2024-01-011", "", "2024-1-01"} {
		if ISODate(s) {
			t.Errorf("ISODate(%q) = true", s)
		}
	}
}
