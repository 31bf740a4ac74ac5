package photo

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBuiltinSpecsAreValid(t *testing.T) {
	t.Parallel()
	specs := BuiltinSpecs()
	for _, name := range []string{"chsi", "xueji-blue", "xueji-white", "idcard", "sscard", "1inch", "2inch"} {
		s, ok := specs[name]
		if !ok {
			t.Fatalf("spec %s missing", name)
		}
		if err := s.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	chsi := specs["chsi"]
	if chsi.Width != 480 || chsi.Height != 640 || chsi.DPI != 300 || chsi.Background != (RGB{100, 197, 255}) ||
		chsi.MinKB != 20 || chsi.MaxKB != 40 || chsi.MinQuality != 60 ||
		chsi.Crown != (Range{Min: 50, Max: 110}) || chsi.EyeLine != (Range{Min: 200, Max: 300}) ||
		chsi.FaceWidth.Min != 180 || chsi.FaceWidth.Max != 300 {
		t.Fatalf("chsi is not 学信网's spec: %+v", chsi)
	}
	id := specs["idcard"]
	if id.Width != 358 || id.Height != 441 || id.DPI != 350 || id.FaceWidth.Min != 193 || id.FaceWidth.Max != 221 ||
		id.Crown != (Range{Min: 7, Max: 21}) || id.EyeLine.Max != 441-207 {
		t.Fatalf("idcard is not GA 461's spec: %+v", id)
	}
	// Callers get copies.
	specs["chsi"].MaxKB = 1
	if BuiltinSpecs()["chsi"].MaxKB != 40 {
		t.Fatal("BuiltinSpecs shares its values")
	}
}

func TestCustomSpecFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := `{"name":"campus-card","title":"校园卡","width":354,"height":472,"dpi":300,
		"background":"#ffffff","min_kb":50,"max_kb":200,"min_quality":75,
		"crown_px":{"min":30,"max":70},"eye_line_px":{"min":150,"max":230},"face_width_px":{"min":150,"max":230}}`
	path := filepath.Join(dir, "card.json")
	os.WriteFile(path, []byte(good), 0o644)
	s, err := LookupSpec(path)
	if err != nil {
		t.Fatal(err)
	}
	if s.Background != (RGB{255, 255, 255}) || s.MaxCentreOffset <= 0 {
		t.Fatalf("read %+v", s)
	}
	bad := map[string]string{
		"unknown field": strings.Replace(good, `"dpi":300`, `"dpi":300,"colour":1`, 1),
		"window":        strings.Replace(good, `"min_kb":50`, `"min_kb":500`, 1),
		"crown range":   strings.Replace(good, `"crown_px":{"min":30,"max":70}`, `"crown_px":{"min":70,"max":30}`, 1),
		"colour":        strings.Replace(good, `"#ffffff"`, `"#fff"`, 1),
		"size":          strings.Replace(good, `"width":354`, `"width":20`, 1),
	}
	for name, text := range bad {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".json")
		os.WriteFile(p, []byte(text), 0o644)
		if _, err := LookupSpec(p); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := LookupSpec("no-such-spec"); err == nil || !strings.Contains(err.Error(), "chsi") {
		t.Fatalf("unknown name: %v", err)
	}
}

func TestRGBJSON(t *testing.T) {
	t.Parallel()
	var c RGB
	for _, in := range []string{`[100,197,255]`, `"#64c5ff"`, `"64C5FF"`} {
		if err := json.Unmarshal([]byte(in), &c); err != nil || c != (RGB{100, 197, 255}) {
			t.Fatalf("%s: %v %v", in, c, err)
		}
	}
	for _, in := range []string{`[1,2]`, `[1,2,300]`, `"#12345"`, `7`} {
		if err := json.Unmarshal([]byte(in), &c); err == nil {
			t.Errorf("%s accepted", in)
		}
	}
	b, _ := json.Marshal(RGB{1, 2, 3})
	if string(b) != "[1,2,3]" {
		t.Fatalf("marshalled %s", b)
	}
}

func TestErrorCodesHaveMessages(t *testing.T) {
	t.Parallel()
	for _, c := range Codes() {
		m := Message(c)
		if m == "" || !strings.ContainsRune(m, '请') {
			t.Errorf("%s: message %q does not tell the student what to do", c, m)
		}
	}
}
