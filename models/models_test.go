package models

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// MODELS.md must name every embedded file with its true checksum.
func TestManifestMatchesFiles(t *testing.T) {
	md, err := Files.ReadFile("MODELS.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := regexp.MustCompile(`(?m)^\| (\S+) \|.*\| ([0-9a-f]{64}) \|$`).FindAllStringSubmatch(string(md), -1)
	listed := map[string]string{}
	for _, r := range rows {
		listed[r[1]] = r[2]
	}
	entries, _ := fs.ReadDir(Files, ".")
	for _, e := range entries {
		name := e.Name()
		if name == "MODELS.md" {
			continue
		}
		want, ok := listed[name]
		if !ok {
			t.Errorf("%s is embedded but not in MODELS.md", name)
			continue
		}
		b, _ := Files.ReadFile(name)
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != want {
			t.Errorf("%s: sha256 %s, MODELS.md says %s", name, got, want)
		}
		if !strings.HasSuffix(name, ".onnx") && !strings.HasSuffix(name, ".json") {
			t.Errorf("unexpected embedded file %s", name)
		}
	}
	if len(listed) != len(entries)-1 {
		t.Errorf("MODELS.md lists %d files, %d embedded", len(listed), len(entries)-1)
	}
}
