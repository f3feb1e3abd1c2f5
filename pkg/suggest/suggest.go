// Package suggest finds the known name a misspelled one was meant to be ("did you mean"): for
// manifest keys, header names and config keys alike.
package suggest

import "strings"

// MaxDistance is the largest edit distance Closest accepts.
const MaxDistance = 2

// Closest returns the name of known nearest to s, ignoring case, within MaxDistance edits and
// fewer edits than s has characters; "" when none is, or when s is itself one of known.
func Closest(s string, known []string) string {
	ls := strings.ToLower(s)
	best, bestD := "", MaxDistance+1
	for _, k := range known {
		if k == s {
			return ""
		}
		if d := Distance(ls, strings.ToLower(k), bestD); d < bestD && d < len([]rune(ls)) {
			best, bestD = k, d
		}
	}
	return best
}

// Distance is the Levenshtein distance of a and b in characters (runes), or limit when it is
// at least limit (limit <= 0: no limit).
func Distance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if limit <= 0 {
		limit = len(ra) + len(rb) + 1
	}
	if d := len(ra) - len(rb); d >= limit || -d >= limit {
		return limit
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin >= limit {
			return limit
		}
		prev, cur = cur, prev
	}
	return min(prev[len(rb)], limit)
}
