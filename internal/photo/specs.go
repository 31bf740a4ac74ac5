package photo

import (
	"fmt"
	"os"
	"sort"
	"strings"
)

// BuiltinSpecs returns the specs Zhipai ships, keyed by name. Each call
// returns fresh copies, so callers may adjust them (a campaign's own KB
// window, say) without touching anyone else's.
func BuiltinSpecs() map[string]*Spec {
	blue := RGB{100, 197, 255}
	white := RGB{255, 255, 255}
	idBlue := RGB{67, 142, 219}
	// The 480x640 geometry of the CHSI spec, shared by the student-status
	// variants that copy it.
	chsiGeometry := func(s *Spec) *Spec {
		s.Width, s.Height = 480, 640
		s.Crown = Range{Min: 50, Max: 110}
		s.EyeLine = Range{Min: 200, Max: 300}
		s.FaceWidth = Range{Min: 180, Max: 300, Target: 235}
		s.MaxCentreOffset = 4.8
		return s
	}
	// GA 461's 358x441 geometry, which the social security card copies.
	idCardGeometry := func(s *Spec) *Spec {
		s.Width, s.Height, s.DPI = 358, 441, 350
		s.Crown = Range{Min: 7, Max: 21}
		s.EyeLine = Range{Min: 60, Max: 234}
		s.FaceWidth = Range{Min: 193, Max: 221, Target: 207}
		s.MaxCentreOffset = 3.6
		return s
	}
	specs := []*Spec{
		chsiGeometry(&Spec{
			Name: "chsi", Title: "学信网学历照片", DPI: 300, Background: blue,
			MinKB: 20, MaxKB: 40, MinQuality: 60,
			Source: "教毕指〔2017〕9号《高等教育学历证书电子注册图像采集规范》： 480x640, 300 dpi, RGB(100,197,255), quality >= 60, 20-40 KB, crown 50-110 px, eyes 200-300 px, face width 180-300 px",
		}),
		chsiGeometry(&Spec{
			Name: "xueji-blue", Title: "新生学籍照片（蓝底）", DPI: 300, Background: idBlue,
			MinKB: 20, MaxKB: 100, MinQuality: 60,
			Source: "480x640 as 学信网； blue #438EDB as usual for ID photos; the KB window varies by school: set it per campaign",
		}),
		chsiGeometry(&Spec{
			Name: "xueji-white", Title: "新生学籍照片（白底）", DPI: 300, Background: white,
			MinKB: 20, MaxKB: 100, MinQuality: 60,
			Source: "480x640 as 学信网， white background (e.g. GUET 2025: 50-100 KB); the KB window varies by school: set it per campaign",
		}),
		idCardGeometry(&Spec{
			Name: "idcard", Title: "居民身份证", Background: white, MinQuality: 70, Quality: 70,
			Source: "GA 461-2004: 358x441, 350 dpi, white, quality factor 70, face width 207±14 px, crown 7-21 px, eyes at least 207 px above the bottom (eye line <= 234 px)",
		}),
		idCardGeometry(&Spec{
			Name: "sscard", Title: "社会保障卡", Background: white, MinQuality: 70, MaxKB: 60,
			Source: "358x441 with the ID-card geometry, as the social security card photo copies GA 461; many provinces cap the file at 60 KB",
		}),
		{
			Name: "1inch", Title: "一寸", Width: 295, Height: 413, DPI: 300, Background: white,
			MinQuality:      75,
			Crown:           Range{Min: 24, Max: 59},
			EyeLine:         Range{Min: 130, Max: 230},
			FaceWidth:       Range{Min: 159, Max: 195, Target: 177},
			MaxCentreOffset: 3,
			Source:          "25x35 mm at 300 dpi; no national geometry: crown 2-5 mm, face width 15±1.5 mm as on the ID card; the eye line allows crown-to-eye distances of 0.69-1.16 face widths (5th-95th percentile of the evaluation portraits)",
		},
		{
			Name: "2inch", Title: "二寸", Width: 413, Height: 579, DPI: 300, Background: white,
			MinQuality:      75,
			Crown:           Range{Min: 35, Max: 71},
			EyeLine:         Range{Min: 190, Max: 330},
			FaceWidth:       Range{Min: 224, Max: 283, Target: 254},
			MaxCentreOffset: 4,
			Source:          "35x49 mm at 300 dpi; no national geometry: crown 3-6 mm, face width 19-24 mm; the eye line allows crown-to-eye distances of 0.69-1.16 face widths (5th-95th percentile of the evaluation portraits)",
		},
	}
	out := map[string]*Spec{}
	for _, s := range specs {
		out[s.Name] = s
	}
	return out
}

// LookupSpec finds a built-in spec by name, or loads a spec file when the
// name is a path to one (it contains a slash or ends in .json).
func LookupSpec(name string) (*Spec, error) {
	if strings.ContainsRune(name, '/') || strings.HasSuffix(name, ".json") {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("spec file: %w", err)
		}
		defer f.Close()
		return ReadSpec(f)
	}
	s, ok := BuiltinSpecs()[name]
	if !ok {
		return nil, fmt.Errorf("unknown spec %q (known: %s)", name, strings.Join(SpecNames(), ", "))
	}
	return s, nil
}

// SpecNames lists the built-in specs in a stable order.
func SpecNames() []string {
	var names []string
	for n := range BuiltinSpecs() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
