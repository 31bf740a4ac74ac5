package main

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// A TensorFlow.js graph model: model.json (a GraphDef in JSON) plus the
// weight shards it names, concatenated in manifest order.

type tfjsModel struct {
	Topology struct {
		Nodes []tfNode `json:"node"`
	} `json:"modelTopology"`
	Manifest weightsManifest `json:"weightsManifest"`
}

// weightsManifest lists the weights in their shards: inside a graph
// model's model.json, or on its own (`*-weights_manifest.json`) beside the
// layers-free models whose network lives in code (face-api.js).
type weightsManifest []struct {
	Paths   []string `json:"paths"`
	Weights []struct {
		Name         string  `json:"name"`
		Shape        []int64 `json:"shape"`
		Dtype        string  `json:"dtype"`
		Quantization *struct {
			Dtype string  `json:"dtype"`
			Scale float32 `json:"scale"`
			Min   float32 `json:"min"`
		} `json:"quantization"`
	} `json:"weights"`
}

type tfNode struct {
	Name  string            `json:"name"`
	Op    string            `json:"op"`
	Input []string          `json:"input"`
	Attr  map[string]tfAttr `json:"attr"`
}

type tfAttr struct {
	S    string   `json:"s"`
	I    string   `json:"i"`
	F    *float64 `json:"f"`
	B    bool     `json:"b"`
	List *struct {
		S []string `json:"s"`
		I []string `json:"i"`
	} `json:"list"`
	Shape *struct {
		Dim []struct {
			Size string `json:"size"`
		} `json:"dim"`
	} `json:"shape"`
}

func (a tfAttr) str() string {
	b, err := base64.StdEncoding.DecodeString(a.S)
	if err != nil {
		return ""
	}
	return string(b)
}

func (a tfAttr) strs() []string {
	if a.List == nil {
		return nil
	}
	var out []string
	for _, s := range a.List.S {
		b, _ := base64.StdEncoding.DecodeString(s)
		out = append(out, string(b))
	}
	return out
}

func (a tfAttr) ints() []int64 {
	if a.List == nil {
		return nil
	}
	var out []int64
	for _, s := range a.List.I {
		v, _ := strconv.ParseInt(s, 10, 64)
		out = append(out, v)
	}
	return out
}

// constant is a weight of the model, always held as float32 or int32 values.
type constant struct {
	shape  []int64
	floats []float32
	ints   []int32
}

func (c *constant) size() int64 { return product(c.shape) }

// parseTFJS decodes model.json and its weights; shards maps a path named in
// the manifest to its bytes.
func parseTFJS(modelJSON []byte, shards map[string][]byte) (*tfjsModel, map[string]*constant, error) {
	var m tfjsModel
	if err := json.Unmarshal(modelJSON, &m); err != nil {
		return nil, nil, fmt.Errorf("parse model.json: %w", err)
	}
	consts, err := m.Manifest.decode(shards)
	if err != nil {
		return nil, nil, err
	}
	return &m, consts, nil
}

// decode reads every weight of the manifest from its shards, widening
// float16 and dequantizing uint8 (min + scale*q, as TensorFlow.js does).
func (wm weightsManifest) decode(shards map[string][]byte) (map[string]*constant, error) {
	consts := map[string]*constant{}
	for _, group := range wm {
		var data []byte
		for _, p := range group.Paths {
			shard, ok := shards[p]
			if !ok {
				return nil, fmt.Errorf("weights shard %q missing", p)
			}
			data = append(data, shard...)
		}
		off := 0
		for _, w := range group.Weights {
			c := &constant{shape: w.Shape}
			n := int(c.size())
			stored := w.Dtype
			if w.Quantization != nil {
				stored = w.Quantization.Dtype
			}
			switch {
			case w.Dtype == "float32" && stored == "float16":
				if off+2*n > len(data) {
					return nil, fmt.Errorf("weight %s past the end of its shard", w.Name)
				}
				c.floats = make([]float32, n)
				for i := range c.floats {
					c.floats[i] = halfToFloat(binary.LittleEndian.Uint16(data[off+2*i:]))
				}
				off += 2 * n
			case w.Dtype == "float32" && stored == "float32":
				if off+4*n > len(data) {
					return nil, fmt.Errorf("weight %s past the end of its shard", w.Name)
				}
				c.floats = make([]float32, n)
				for i := range c.floats {
					c.floats[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[off+4*i:]))
				}
				off += 4 * n
			case w.Dtype == "float32" && stored == "uint8":
				if off+n > len(data) {
					return nil, fmt.Errorf("weight %s past the end of its shard", w.Name)
				}
				q := w.Quantization
				c.floats = make([]float32, n)
				for i := range c.floats {
					c.floats[i] = q.Min + q.Scale*float32(data[off+i])
				}
				off += n
			case w.Dtype == "int32" && stored == "int32":
				if off+4*n > len(data) {
					return nil, fmt.Errorf("weight %s past the end of its shard", w.Name)
				}
				c.ints = make([]int32, n)
				for i := range c.ints {
					c.ints[i] = int32(binary.LittleEndian.Uint32(data[off+4*i:]))
				}
				off += 4 * n
			default:
				return nil, fmt.Errorf("weight %s: unsupported dtype %s stored as %s", w.Name, w.Dtype, stored)
			}
			consts[w.Name] = c
		}
		if off != len(data) {
			return nil, fmt.Errorf("weights use %d of %d bytes", off, len(data))
		}
	}
	return consts, nil
}

// halfToFloat widens an IEEE 754 binary16 value.
func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: normalise
		e := uint32(127 - 15 + 1)
		for frac&0x400 == 0 {
			frac <<= 1
			e--
		}
		frac &= 0x3ff
		return math.Float32frombits(sign | e<<23 | frac<<13)
	case exp == 0x1f:
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	default:
		return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
	}
}

func product(s []int64) int64 {
	n := int64(1)
	for _, d := range s {
		n *= d
	}
	return n
}
