package quality

import (
	"testing"

	"zhipai/internal/domain"
	"zhipai/internal/photo/synth"
)

// The card check is tested on rendered cards (synth.IDCard): no real
// identity document may be committed or shared, so none is used anywhere.

func TestIDCard(t *testing.T) {
	_, c := setup(t)
	astro := loadPNG(t, "astronaut.png")
	flat := [4][2]float64{{180, 160}, {1020, 120}, {1060, 690}, {150, 720}}
	cut := [4][2]float64{{-60, 160}, {900, 120}, {940, 690}, {-90, 720}}
	far := [4][2]float64{{430, 330}, {770, 315}, {785, 545}, {420, 555}}
	cases := []struct {
		name   string
		front  bool
		at     [4][2]float64
		blur   float64
		glare  float64
		side   string
		expect []string // blocking codes; none for an acceptable photo
	}{
		{"front, flat, sharp", true, flat, 0, 0, SideFront, nil},
		{"back asked, back shown", false, flat, 0, 0, SideBack, nil},
		{"back asked, front shown", true, flat, 0, 0, SideBack, []string{"card.side"}},
		{"front asked, back shown", false, flat, 0, 0, SideFront, []string{"card.side"}},
		{"blurred", true, flat, 3, 0, SideFront, []string{"card.blur"}},
		{"glare", true, flat, 0, 120, SideFront, []string{"card.glare"}},
		{"a corner outside the frame", true, cut, 0, 0, SideFront, []string{"card.cut"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			card := synth.IDCard(tc.front, astro, 1)
			rep := c.CheckIDCard(synth.CardPhoto(card, tc.at, 1200, 900, tc.blur, tc.glare, 2), tc.side)
			if !rep.Found {
				t.Fatalf("card not found: %+v", rep)
			}
			var blocking []string
			for _, f := range rep.Findings {
				if f.Severity == domain.SeverityBlock {
					blocking = append(blocking, f.Code)
				}
				if f.Reason != domain.ReasonIDImage || f.Message == "" {
					t.Errorf("finding %+v", f)
				}
			}
			if len(blocking) != len(tc.expect) || (len(blocking) > 0 && blocking[0] != tc.expect[0]) {
				t.Fatalf("blocking %v, want %v (report %+v)", blocking, tc.expect, rep)
			}
		})
	}
	// Found where it lies: corners within a few pixels.
	rep := c.CheckIDCard(synth.CardPhoto(synth.IDCard(true, astro, 1), flat, 1200, 900, 0, 0, 2), SideFront)
	for i, p := range rep.Corners {
		if d := dist(p, pointOf(flat[i])); d > 8 {
			t.Errorf("corner %d at %v, want %v", i, p, flat[i])
		}
	}
	// A small card: found, with a warning to come closer.
	rep = c.CheckIDCard(synth.CardPhoto(synth.IDCard(true, astro, 1), far, 1200, 900, 0, 0, 2), SideFront)
	if !rep.Found || fired(rep.Findings, "card.small") == nil {
		t.Fatalf("small card: %+v", rep)
	}
	// No card at all: a plain table.
	rep = c.CheckIDCard(synth.Wall(1200, 900, 5), SideFront)
	if rep.Found || !Blocking(rep.Findings) || rep.Findings[0].Code != "card.not_found" {
		t.Fatalf("no card: %+v", rep)
	}
}

// TestCardPortrait: the portrait region cut from a photographed card is
// upright, taller than wide, and holds the card's face whole; a photo
// without a card gives none.
func TestCardPortrait(t *testing.T) {
	_, c := setup(t)
	astro := loadPNG(t, "astronaut.png")
	photo := synth.CardPhoto(synth.IDCard(true, astro, 1), [4][2]float64{{180, 160}, {1020, 120}, {1060, 690}, {150, 720}}, 1200, 900, 0, 0, 2)
	crop, ok := c.CardPortrait(photo)
	if !ok {
		t.Fatal("no portrait from a card photo")
	}
	if crop.H <= crop.W || crop.W < 150 || crop.W > 500 {
		t.Fatalf("portrait %dx%d, want an upright crop of the card's right part", crop.W, crop.H)
	}
	faces, err := c.vision.DetectFaces(crop)
	if err != nil || len(faces) != 1 || faces[0].Box.H() < 0.3*float64(crop.H) {
		t.Fatalf("faces on the portrait: %+v %v", faces, err)
	}
	if b := faces[0].Box; b.X0 < 0 || b.Y0 < 0 || b.X1 > float64(crop.W) || b.Y1 > float64(crop.H) {
		t.Errorf("the face %v is cut by the crop %dx%d", b, crop.W, crop.H)
	}
	if _, ok := c.CardPortrait(astro); ok {
		t.Error("a portrait from a photo without a card")
	}
}
