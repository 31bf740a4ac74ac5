package api

import (
	"testing"

	"zhipai/internal/domain"
	"zhipai/internal/photo"
)

// TestEveryCodeHasAStatus: each public code of the use cases and of the
// photo engine has its HTTP status here, an error status.
func TestEveryCodeHasAStatus(t *testing.T) {
	for _, c := range append(catalogue.Codes(), photo.Codes()...) {
		s, ok := statuses[c]
		if c == photo.CodeInternal { // the same code as domain.CodeInternal
			s, ok = statuses[domain.CodeInternal], true
		}
		if !ok || s < 400 {
			t.Errorf("%s: status %d (listed: %v)", c, s, ok)
		}
	}
	if statusOf("idcard.blur") != 422 || statusOf("no.such.code") != 500 {
		t.Error("statusOf of the card check's codes or of an unknown code")
	}
}
