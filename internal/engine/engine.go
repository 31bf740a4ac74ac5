package engine

import (
	"context"
	"fmt"

	"golang.org/x/sync/semaphore"

	"zhipai/internal/jpegturbo"
	"zhipai/internal/ocr"
	"zhipai/internal/photo"
	"zhipai/internal/quality"
	"zhipai/internal/raster"
	"zhipai/internal/vision"
)

// Config configures the engine.
type Config struct {
	// LibraryPath is libonnxruntime.so.1 ("": found beside the binary or
	// in lib/).
	LibraryPath string
	// TessdataDir holds the names' OCR model ("": found beside the binary
	// or in lib/tessdata, ocr.FindModels).
	TessdataDir string
	// Slots is how many photos are worked on at once (the cores).
	Slots int
	// Memory is how much memory the photo work may hold at once, judged
	// from each photo's header before it is decoded (0: 640 MB); a photo
	// that needs more waits until the work before it has ended.
	Memory int64
}

// Engine is the loaded models, the standardization pipeline, the
// compliance checks and the slots the server's photo work runs in.
type Engine struct {
	Pipeline *photo.Pipeline
	Checker  *quality.Checker
	Vision   *vision.Engine
	ocr      *ocr.Reader
	slots    *Slots
	memory   *semaphore.Weighted
	budget   int64
}

// Open loads the models once and builds the pipeline and the checks on
// them.
func Open(c Config) (*Engine, error) {
	v, err := vision.New(vision.Config{LibraryPath: c.LibraryPath})
	if err != nil {
		return nil, err
	}
	p, err := photo.New(photo.DefaultConfig(), v)
	if err != nil {
		v.Close()
		return nil, fmt.Errorf("engine: photo pipeline: %w", err)
	}
	checker, err := quality.New(quality.DefaultConfig(), v)
	if err != nil {
		v.Close()
		return nil, fmt.Errorf("engine: checks: %w", err)
	}
	// Tesseract sized to the slots: a card is read in its slot.
	reader, err := ocr.Open(max(1, c.Slots), c.TessdataDir)
	if err != nil {
		v.Close()
		return nil, fmt.Errorf("engine: %w", err)
	}
	checker.ReadCards(reader)
	if c.Memory <= 0 {
		c.Memory = 640 << 20
	}
	// Tesseract's loaded models come out of the photos' budget: the
	// process's ceiling holds them too.
	c.Memory = max(c.Memory-ocr.Footprint(c.Slots), c.Memory/2)
	return &Engine{Pipeline: p, Checker: checker, Vision: v, ocr: reader, slots: NewSlots(c.Slots), memory: semaphore.NewWeighted(c.Memory), budget: c.Memory}, nil
}

// Close releases the models.
func (e *Engine) Close() error {
	e.ocr.Close()
	return e.Vision.Close()
}

// Standardize runs the standardization and the compliance checks, on the
// caller's goroutine (the command line runs its own workers); the report
// carries the findings, also for a refused photo: its refusal and whatever
// could still be measured.
func (e *Engine) Standardize(ctx context.Context, data []byte, spec *photo.Spec) (*photo.Result, error) {
	res, err := e.Pipeline.Standardize(ctx, data, spec)
	if ctx.Err() == nil {
		res.Report.Findings = e.Checker.Check(res, spec, err)
	}
	return res, err
}

// Processed is what the server's photo work makes of an upload.
type Processed struct {
	Result *photo.Result
	// Refusal is why no standardized photo was made (nil: Result.JPEG is
	// the photo).
	Refusal error
	// Fingerprint is the perceptual hash of the oriented original (""
	// when the photo could not be read), for catching retakes of a
	// rejected photo; Preview that original reduced to 640 px.
	Fingerprint string
	Preview     []byte
	// Face is the comparison of the photo's face with the ID card's
	// portrait, when a card was given and a photo made.
	Face *FaceMatch
}

// FaceMatch is how alike the card's portrait and the photo's face are.
// The embeddings it was computed from are not kept.
type FaceMatch struct {
	// Compared: a face was found on both; Similarity is their cosine.
	Compared   bool
	Similarity float64
}

// Process standardizes and checks an upload in a slot, with its
// fingerprint and preview: all the CPU work of a photo in one place. The
// error is the slot's (the context ended, a panic); a refusal of the
// photo is in Processed.
//
// With card (a photo of the ID card's front, the student having agreed to
// the comparison), the standardized photo's face is also compared with
// the card's portrait.
func (e *Engine) Process(ctx context.Context, data []byte, spec *photo.Spec, card []byte) (Processed, error) {
	var out Processed
	err := e.run(ctx, data, func() {
		out.Result, out.Refusal = e.Standardize(ctx, data, spec)
		if out.Result != nil && out.Result.Work != nil {
			out.Fingerprint = photo.Fingerprint(out.Result.Work)
			out.Preview, _ = photo.Preview(out.Result.Work, 640) // no preview is no reason to fail the photo
		}
		if card != nil && out.Refusal == nil && out.Result != nil && out.Result.Output != nil {
			out.Face = e.compareFaces(card, out.Result.Output)
		}
	})
	return out, err
}

// compareFaces embeds the largest face of the card's portrait and of the
// photo and compares them.
func (e *Engine) compareFaces(card []byte, photoImg *raster.Image) *FaceMatch {
	m := &FaceMatch{}
	img, _, err := e.Pipeline.Decode(card)
	if err != nil {
		return m
	}
	portrait, ok := e.Checker.CardPortrait(img)
	if !ok {
		return m
	}
	a, b := e.FaceEmbedding(portrait), e.FaceEmbedding(photoImg)
	if a == nil || b == nil {
		return m
	}
	m.Compared, m.Similarity = true, vision.Similarity(a, b)
	return m
}

// FaceEmbedding embeds the image's largest face (nil: none); a small
// image (a card's portrait) is enlarged for the detector first.
func (e *Engine) FaceEmbedding(img *raster.Image) []float32 {
	if img.W < 160 {
		k := 160 / float64(img.W)
		img = raster.Resample(img, raster.Rect{X1: float64(img.W), Y1: float64(img.H)}, 160, int(float64(img.H)*k), raster.Triangle)
	}
	faces, err := e.Vision.DetectFaces(img)
	if err != nil || len(faces) == 0 {
		return nil
	}
	best := faces[0]
	for _, f := range faces[1:] {
		if f.Box.Area() > best.Box.Area() {
			best = f
		}
	}
	v, err := e.Vision.Embed(img, best)
	if err != nil {
		return nil
	}
	return v
}

// CheckDocument reads a photo of an identity document in a slot and, for
// a resident identity card, checks its corners, sharpness, glare and side
// and reads its text. A photo that cannot be read is refused (with a
// public error); the findings say what the check saw, text what the card
// says (nil when it was not read), checked for the name when one is given;
// err is the slot's.
func (e *Engine) CheckDocument(ctx context.Context, data []byte, side string, idCard bool, name string) (findings []photo.Finding, text *quality.CardText, refusal, err error) {
	err = e.runUrgent(ctx, data, func() {
		img, _, err := e.Pipeline.Decode(data)
		if err != nil {
			refusal = err
			return
		}
		if idCard {
			rep := e.Checker.CheckIDCardOf(img, side, name)
			findings, text = rep.Findings, rep.Text
		}
	})
	return findings, text, refusal, err
}

// run does a photo's work in a slot, once the memory it needs (from its
// header) is free: whatever mix of photos arrives, the work holds at most
// the budget.
func (e *Engine) run(ctx context.Context, data []byte, fn func()) error {
	return e.runAs(ctx, data, false, fn)
}

// runUrgent is run for work a request waits for (a person is looking at
// the screen): it takes the next free slot ahead of the photo jobs.
func (e *Engine) runUrgent(ctx context.Context, data []byte, fn func()) error {
	return e.runAs(ctx, data, true, fn)
}

func (e *Engine) runAs(ctx context.Context, data []byte, urgent bool, fn func()) error {
	need := min(photo.MemoryNeed(data), e.budget)
	if err := e.memory.Acquire(ctx, need); err != nil {
		return err
	}
	defer e.memory.Release(need)
	if urgent {
		return e.slots.RunUrgent(ctx, fn)
	}
	return e.slots.Run(ctx, fn)
}

// CardPortrait is the portrait region of an identity card photo's front,
// as a JPEG, for a reviewer to compare with the student's photo; false
// when no card is found.
func (e *Engine) CardPortrait(ctx context.Context, data []byte) (out []byte, found bool, err error) {
	err = e.runUrgent(ctx, data, func() {
		img, _, derr := e.Pipeline.Decode(data)
		if derr != nil {
			return
		}
		crop, ok := e.Checker.CardPortrait(img)
		if !ok {
			return
		}
		out, err = jpegturbo.Encode(crop, jpegturbo.EncodeOptions{Quality: 90, DPI: 72})
		found = err == nil
	})
	return out, found, err
}

// Render standardizes an original to another spec in a slot: a rendition
// of an approved photo for another of the school's systems. A photo the
// pipeline refuses for that spec is the error.
func (e *Engine) Render(ctx context.Context, data []byte, spec *photo.Spec) ([]byte, error) {
	var out []byte
	var refusal error
	err := e.run(ctx, data, func() {
		res, err := e.Pipeline.Standardize(ctx, data, spec)
		if err != nil {
			refusal = err
			return
		}
		out = res.JPEG
	})
	if err != nil {
		return nil, err
	}
	return out, refusal
}
