package api

import (
	"testing"

	"zhipai/internal/photo"
	"zhipai/internal/service"
)

// TestEveryCodeHasAStatus: each public code of the use cases and of the
// photo engine has its HTTP status here, an error status.
func TestEveryCodeHasAStatus(t *testing.T) {
	for _, c := range append(service.Codes(), photo.Codes()...) {
		s, ok := statuses[c]
		if c == photo.CodeInternal { // the same code as service.CodeInternal
			s, ok = statuses[service.CodeInternal], true
		}
		if !ok || s < 400 {
			t.Errorf("%s: status %d (listed: %v)", c, s, ok)
		}
	}
	if statusOf("idcard.blur") != 422 || statusOf("no.such.code") != 500 {
		t.Error("statusOf of the card check's codes or of an unknown code")
	}
}
