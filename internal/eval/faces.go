package eval

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"zhipai/internal/engine"
	"zhipai/internal/photo"
	"zhipai/internal/photo/synth"
	"zhipai/internal/quality"
	"zhipai/internal/raster"
	"zhipai/internal/vision"
)

// FaceOptions choose the photos of a face-comparison evaluation.
type FaceOptions struct {
	// Folders under the data directory whose photos carry an identity
	// (<n>.attr.json with "identity": celeba_wild, celeba_small).
	Folders []string
	// Cards is how many photos are also printed onto a rendered ID card
	// and read back from a photo of it (the card side of a pair).
	Cards int
	// Impostors is how many photos of other people each photo is paired
	// with.
	Impostors int
	Seed      uint64
}

type faceItem struct {
	rel      string
	identity int
	plain    []float32 // the photo's own face
	card     []float32 // the same face read back off a card (nil: not printed, or no face found)
}

// CompareFaces measures the face comparison that holds the ID card's
// portrait against the student's photo (R20) on public photos of the same
// people: genuine pairs (two photos of one person) and impostor pairs
// (two people), both as photo against photo and as card against photo,
// where one side was shrunk, faded and printed onto a rendered card,
// photographed and cut out again as the identity step does. The threshold
// is chosen at a false match rate of 1% on the even identities and the
// rates are reported on the odd ones (a split by identity), and on all.
func CompareFaces(dir string, o FaceOptions, eng *engine.Engine, out io.Writer) error {
	pl, ch := eng.Pipeline, eng.Checker
	var items []*faceItem
	var embedTime time.Duration
	var embeds, noFace int
	embed := func(img *raster.Image) []float32 {
		start := time.Now()
		e := eng.FaceEmbedding(img)
		embedTime += time.Since(start)
		embeds++
		return e
	}
	rng := rand.New(rand.NewPCG(o.Seed, 17))
	for _, folder := range o.Folders {
		paths, _ := filepath.Glob(filepath.Join(dir, folder, "*.attr.json"))
		sort.Strings(paths)
		for _, p := range paths {
			var meta struct {
				Image    string `json:"image"`
				Identity int    `json:"identity"`
			}
			b, err := os.ReadFile(p)
			if err != nil || json.Unmarshal(b, &meta) != nil || meta.Identity == 0 {
				continue
			}
			data, err := os.ReadFile(filepath.Join(dir, folder, meta.Image))
			if err != nil {
				continue
			}
			img, _, err := pl.Decode(data)
			if err != nil {
				continue
			}
			it := &faceItem{rel: folder + "/" + meta.Image, identity: meta.Identity, plain: embed(img)}
			if it.plain == nil {
				noFace++
				continue
			}
			items = append(items, it)
		}
	}
	// The card side, for a sample of the photos (rendering is slow).
	order := rng.Perm(len(items))
	cards, cardless := 0, 0
	for _, i := range order {
		if cards+cardless >= o.Cards {
			break
		}
		it := items[i]
		data, _ := os.ReadFile(filepath.Join(dir, it.rel))
		img, _, err := pl.Decode(data)
		if err != nil {
			continue
		}
		if it.card = embed(cardPortrait(img, pl, ch, uint64(i)+o.Seed)); it.card != nil {
			cards++
		} else {
			cardless++
		}
	}
	fmt.Fprintf(out, "face comparison on %s: %d photos of %d people (%d without a face found); %d also read back off a rendered card (%d lost on the way)\n",
		strings.Join(o.Folders, ", "), len(items), people(items), noFace, cards, cardless)
	fmt.Fprintf(out, "  %.1f ms per face (finding it, aligning it, dlib face-recognition ResNet; one core): a comparison is two of them\n",
		float64(embedTime.Microseconds())/1000/float64(max(1, embeds)))

	type pair struct {
		score   float64
		genuine bool
		even    bool // the first photo's identity is even: the calibration half
	}
	collect := func(card bool) []pair {
		var ps []pair
		byID := map[int][]*faceItem{}
		for _, it := range items {
			byID[it.identity] = append(byID[it.identity], it)
		}
		for _, it := range items {
			a := it.plain
			if card {
				a = it.card
			}
			if a == nil {
				continue
			}
			for _, other := range byID[it.identity] {
				if other == it || !card && other.rel < it.rel {
					continue
				}
				ps = append(ps, pair{vision.Similarity(a, other.plain), true, it.identity%2 == 0})
			}
			for range o.Impostors {
				other := items[rng.IntN(len(items))]
				if other.identity == it.identity {
					continue
				}
				// Both people on the same side of the split.
				if other.identity%2 != it.identity%2 {
					continue
				}
				ps = append(ps, pair{vision.Similarity(a, other.plain), false, it.identity%2 == 0})
			}
		}
		return ps
	}
	report := func(name string, ps []pair) float64 {
		var calGen, calImp, testGen, testImp, allGen, allImp []float64
		for _, p := range ps {
			switch {
			case p.genuine:
				allGen = append(allGen, p.score)
				if p.even {
					calGen = append(calGen, p.score)
				} else {
					testGen = append(testGen, p.score)
				}
			default:
				allImp = append(allImp, p.score)
				if p.even {
					calImp = append(calImp, p.score)
				} else {
					testImp = append(testImp, p.score)
				}
			}
		}
		t1 := thresholdAt(calImp, 0.01)
		fmt.Fprintf(out, "  %s: %d genuine and %d impostor pairs\n", name, len(allGen), len(allImp))
		fmt.Fprintf(out, "    threshold at FMR 1%% (even identities): %.3f; on the odd identities: TMR %.3f, FMR %.4f\n", t1, rateAbove(testGen, t1), rateAbove(testImp, t1))
		fmt.Fprintf(out, "    all pairs: TMR at FMR 1%% %.3f (threshold %.3f), at FMR 0.1%% %.3f (threshold %.3f)\n",
			rateAbove(allGen, thresholdAt(allImp, 0.01)), thresholdAt(allImp, 0.01), rateAbove(allGen, thresholdAt(allImp, 0.001)), thresholdAt(allImp, 0.001))
		// The warning's operating point: a reviewer is warned about one
		// genuine student in twenty; how many impostors get the warning.
		w := quantile(calGen, 0.05)
		fmt.Fprintf(out, "    warning below %.3f (5%% of genuine pairs, even identities): on the odd identities it warns on %.1f%% of genuine pairs and %.1f%% of impostors\n",
			w, 100*(1-rateAbove(testGen, w)), 100*(1-rateAbove(testImp, w)))
		return t1
	}
	report("photo against photo", collect(false))
	report("card portrait against photo", collect(true))
	return nil
}

func people(items []*faceItem) int {
	ids := map[int]bool{}
	for _, it := range items {
		ids[it.identity] = true
	}
	return len(ids)
}

// thresholdAt is the score that a share fmr of the impostor scores exceed.
func thresholdAt(imp []float64, fmr float64) float64 {
	if len(imp) == 0 {
		return 1
	}
	s := append([]float64(nil), imp...)
	sort.Float64s(s)
	i := min(len(s)-1, int(float64(len(s))*(1-fmr)))
	return s[i]
}

// quantile is the q-th quantile of the scores.
func quantile(scores []float64, q float64) float64 {
	if len(scores) == 0 {
		return 0
	}
	s := append([]float64(nil), scores...)
	sort.Float64s(s)
	return s[min(len(s)-1, int(float64(len(s))*q))]
}

func rateAbove(scores []float64, t float64) float64 {
	if len(scores) == 0 {
		return 0
	}
	n := 0
	for _, s := range scores {
		if s > t {
			n++
		}
	}
	return float64(n) / float64(len(scores))
}

// cardPortrait prints the face onto a rendered ID card as a card prints
// its portrait (synth.PortraitFrame), photographs the card as a student
// does and cuts the portrait out again as the identity step does.
func cardPortrait(face *raster.Image, pl *photo.Pipeline, ch *quality.Checker, seed uint64) *raster.Image {
	card, err := synth.IDCardText(true, synth.PortraitFrame(face), synth.RandomPerson(seed), seed)
	if err != nil {
		return face
	}
	jpg, err := synth.CardSnapshot(card, seed)
	if err != nil {
		return face
	}
	img, _, err := pl.Decode(jpg)
	if err != nil {
		return face
	}
	if p, ok := ch.CardPortrait(img); ok {
		return p
	}
	return raster.NewImage(8, 8) // no card found: no face either
}
