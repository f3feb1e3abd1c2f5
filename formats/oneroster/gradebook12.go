package oneroster

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/rostersync/rostersync/pkg/roster"
)

// gradebook12 checks what one column alone cannot tell in a 1.2 gradebook row: a line item's
// resultValueMin not above its resultValueMax, and a learning objective whose source is case
// identified by a UUID URN (urn:uuid:…), as CASE identifies its items. Each value has passed its
// own column's check (pre) or been reported there.
func (fr *fileReader) gradebook12(rec []string, line int) {
	switch fr.file {
	case "lineItems.csv":
		lo, hi := fr.get(rec, "resultValueMin"), fr.get(rec, "resultValueMax")
		if lo == "" || hi == "" {
			return
		}
		a, err1 := strconv.ParseFloat(lo, 64)
		b, err2 := strconv.ParseFloat(hi, 64)
		if err1 == nil && err2 == nil && a > b {
			fr.report(roster.Error, roster.CodeBadEnum, line, "resultValueMin", fmt.Sprintf(
				"resultValueMin %s is above resultValueMax %s: the lowest score a result can have comes first (swap them)", lo, hi))
		}
	case "lineItemLearningObjectiveIds.csv", "resultLearningObjectiveIds.csv":
		if fr.get(rec, "source") != "case" {
			return
		}
		if id := fr.get(rec, "learningObjectiveId"); id != "" && !uuidURN(id) {
			fr.report(roster.Error, roster.CodeBadID, line, "learningObjectiveId", fmt.Sprintf(
				"learningObjectiveId %q is not a UUID URN: with source case it is the CASE item's identifier, written urn:uuid:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (or source unknown for another kind of ID)", id))
		}
	}
}

// uuidURN reports whether s is urn:uuid: and a UUID (hex digits in either case).
func uuidURN(s string) bool {
	const prefix = "urn:uuid:"
	if len(s) != len(prefix)+36 || !strings.EqualFold(s[:len(prefix)], prefix) {
		return false
	}
	for i, c := range s[len(prefix):] {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// scoreScaleItem reports whether a scoreScaleValue item is {lhs:rhs}: braces, one colon, and
// something on each side of it.
func scoreScaleItem(item string) bool {
	if len(item) < 5 || item[0] != '{' || item[len(item)-1] != '}' {
		return false
	}
	inner := item[1 : len(item)-1]
	i := strings.IndexByte(inner, ':')
	return i > 0 && i == strings.LastIndexByte(inner, ':') && i < len(inner)-1
}
