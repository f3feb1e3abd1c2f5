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

// lineItem12 is what a 1.2 result is checked against: its line item's class and score range.
type lineItem12 struct {
	class          string
	min, max       float64
	hasMin, hasMax bool
}

// gradebookRow12 checks a 1.2 result against its line item, read before it: the score within
// the line item's resultValueMin and resultValueMax, and classSourcedId, when given, the line
// item's class. It keeps what a line item says for that, on the checking goroutine.
func (fr *fileReader) gradebookRow12(rec []string, line int) {
	r := fr.r
	switch fr.file {
	case "lineItems.csv":
		id := fr.get(rec, "sourcedId")
		if id == "" {
			return
		}
		li := lineItem12{class: strings.Clone(fr.get(rec, "classSourcedId"))}
		var err error
		if v := fr.get(rec, "resultValueMin"); v != "" {
			li.min, err = strconv.ParseFloat(v, 64)
			li.hasMin = err == nil
		}
		if v := fr.get(rec, "resultValueMax"); v != "" {
			li.max, err = strconv.ParseFloat(v, 64)
			li.hasMax = err == nil
		}
		if li.hasMin && li.hasMax && li.min > li.max {
			li.hasMin, li.hasMax = false, false // reported (gradebook12): no range to hold scores to
		}
		if r.lineItems12 == nil {
			r.lineItems12 = map[uint64]lineItem12{}
		}
		if _, seen := r.lineItems12[hash(id)]; !seen { // a repeated ID is reported; the first counts
			r.lineItems12[hash(id)] = li
		}
	case "results.csv":
		liID := fr.get(rec, "lineItemSourcedId")
		li, ok := r.lineItems12[hash(liID)]
		if !ok {
			return // blank, or not in lineItems.csv (reported as a reference)
		}
		if v := fr.get(rec, "score"); v != "" && (li.hasMin || li.hasMax) {
			if s, err := strconv.ParseFloat(v, 64); err == nil && (li.hasMin && s < li.min || li.hasMax && s > li.max) {
				fr.report(roster.Error, roster.CodeBadEnum, line, "score", fmt.Sprintf(
					"score %s is outside its line item's resultValueMin %s and resultValueMax %s (line item %q): correct the score or the line item's range",
					v, bound(li.hasMin, li.min), bound(li.hasMax, li.max), liID))
			}
		}
		c := fr.get(rec, "classSourcedId")
		if classes := r.ids["classes.csv"]; classes != nil && !classes.Has(hash(c)) {
			return // not in classes.csv: reported as a reference
		}
		if c != "" && li.class != "" && c != li.class {
			fr.report(roster.Error, roster.CodeDanglingRef, line, "classSourcedId", fmt.Sprintf(
				"class %q is not the class of line item %q (%s): a result is in its line item's class (leave classSourcedId blank or write %s)", c, liID, li.class, li.class))
		}
	}
}

// bound writes a score bound for a message, "none" when the line item has none.
func bound(has bool, v float64) string {
	if !has {
		return "none"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}
