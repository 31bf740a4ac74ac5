package main

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"
)

// MediaPipe's canonical face (geometry_pipeline_metadata_landmarks.binarypb,
// packed inside @mediapipe/face_mesh's asset bundle): the 468 mesh vertices
// of a frontal face in centimetres and the landmark weights MediaPipe uses
// for its Procrustes fit. Zhipai fits the same model to estimate head pose.

type faceGeometry struct {
	Source   string       `json:"source"`
	Vertices [][3]float32 `json:"vertices"` // x right, y up, z towards the camera (cm)
	Weights  []struct {
		Landmark int     `json:"landmark"`
		Weight   float32 `json:"weight"`
	} `json:"procrustes_weights"`
}

// packedAsset cuts one file out of an Emscripten asset bundle, using the
// offsets its loader script lists.
func packedAsset(loaderJS, data []byte, name string) ([]byte, error) {
	re := regexp.MustCompile(`"filename":\s*"[^"]*` + regexp.QuoteMeta(name) + `",\s*"start":\s*(\d+),\s*"end":\s*(\d+)`)
	m := re.FindSubmatch(loaderJS)
	if m == nil {
		return nil, fmt.Errorf("%s not listed in the asset loader", name)
	}
	start, _ := strconv.Atoi(string(m[1]))
	end, _ := strconv.Atoi(string(m[2]))
	if start < 0 || end > len(data) || start >= end {
		return nil, fmt.Errorf("%s: bad range %d-%d", name, start, end)
	}
	return data[start:end], nil
}

func parseFaceGeometry(pb []byte) (*faceGeometry, error) {
	g := &faceGeometry{}
	var vertexBuf []float32
	err := eachField(pb, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch num {
		case 1: // canonical_mesh
			return eachField(v, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
				switch {
				case num == 1 && x != 0:
					return fmt.Errorf("vertex type %d, want VERTEX_PT", x)
				case num == 3 && typ == protowire.Fixed32Type:
					vertexBuf = append(vertexBuf, math.Float32frombits(uint32(x)))
				case num == 3 && typ == protowire.BytesType:
					for len(v) >= 4 {
						f, n := protowire.ConsumeFixed32(v)
						vertexBuf = append(vertexBuf, math.Float32frombits(f))
						v = v[n:]
					}
				}
				return nil
			})
		case 2: // procrustes_landmark_basis
			var w struct {
				Landmark int     `json:"landmark"`
				Weight   float32 `json:"weight"`
			}
			err := eachField(v, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
				switch num {
				case 1:
					w.Landmark = int(x)
				case 2:
					w.Weight = math.Float32frombits(uint32(x))
				}
				return nil
			})
			g.Weights = append(g.Weights, w)
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// VERTEX_PT: x, y, z, u, v per vertex.
	if len(vertexBuf)%5 != 0 || len(vertexBuf)/5 != 468 {
		return nil, fmt.Errorf("canonical mesh has %d floats, want 468 vertices of 5", len(vertexBuf))
	}
	for i := 0; i < len(vertexBuf); i += 5 {
		g.Vertices = append(g.Vertices, [3]float32{vertexBuf[i], vertexBuf[i+1], vertexBuf[i+2]})
	}
	if len(g.Weights) == 0 {
		return nil, fmt.Errorf("no Procrustes landmark weights")
	}
	return g, nil
}

// eachField walks the top level of a protobuf message; for bytes fields v is
// the payload, for varint and fixed fields x is the value.
func eachField(b []byte, fn func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		var v []byte
		var x uint64
		switch typ {
		case protowire.VarintType:
			x, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var f uint32
			f, n = protowire.ConsumeFixed32(b)
			x = uint64(f)
		case protowire.Fixed64Type:
			x, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(b)
		default:
			return fmt.Errorf("unsupported wire type %d", typ)
		}
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		if err := fn(num, typ, v, x); err != nil {
			return err
		}
	}
	return nil
}

func (g *faceGeometry) marshal() ([]byte, error) {
	b, err := json.MarshalIndent(g, "", " ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
