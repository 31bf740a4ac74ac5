package main

import (
	"encoding/binary"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// The ONNX protobuf messages the converter writes, encoded by hand with
// protowire: the schema (onnx/onnx.proto3) has been stable for years, and the
// few messages below are all a static inference graph needs. Field numbers
// follow onnx.proto3.

// ONNX tensor element types.
const (
	onnxFloat = 1
	onnxInt32 = 6
	onnxInt64 = 7
)

// AttributeProto.AttributeType.
const (
	attrFloat  = 1
	attrInt    = 2
	attrString = 3
	attrTensor = 4
	attrFloats = 6
	attrInts   = 7
)

type tensorProto struct {
	name     string
	dataType int
	dims     []int64
	raw      []byte
}

func floatTensor(name string, dims []int64, vals []float32) *tensorProto {
	raw := make([]byte, 4*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	return &tensorProto{name: name, dataType: onnxFloat, dims: dims, raw: raw}
}

func int64Tensor(name string, dims []int64, vals []int64) *tensorProto {
	raw := make([]byte, 8*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint64(raw[8*i:], uint64(v))
	}
	return &tensorProto{name: name, dataType: onnxInt64, dims: dims, raw: raw}
}

func (t *tensorProto) marshal() []byte {
	var b []byte
	for _, d := range t.dims {
		b = protowire.AppendTag(b, 1, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(d))
	}
	b = protowire.AppendTag(b, 2, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(t.dataType))
	b = appendString(b, 8, t.name)
	b = protowire.AppendTag(b, 9, protowire.BytesType)
	b = protowire.AppendBytes(b, t.raw)
	return b
}

type attribute struct {
	name   string
	typ    int
	f      float32
	i      int64
	s      string
	t      *tensorProto
	ints   []int64
	floats []float32
}

func intAttr(name string, v int64) attribute { return attribute{name: name, typ: attrInt, i: v} }
func intsAttr(name string, v ...int64) attribute {
	return attribute{name: name, typ: attrInts, ints: v}
}
func floatAttr(name string, v float32) attribute { return attribute{name: name, typ: attrFloat, f: v} }
func stringAttr(name, v string) attribute        { return attribute{name: name, typ: attrString, s: v} }
func tensorAttr(name string, t *tensorProto) attribute {
	return attribute{name: name, typ: attrTensor, t: t}
}

func (a attribute) marshal() []byte {
	var b []byte
	b = appendString(b, 1, a.name)
	switch a.typ {
	case attrFloat:
		b = protowire.AppendTag(b, 2, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, math.Float32bits(a.f))
	case attrInt:
		b = protowire.AppendTag(b, 3, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(a.i))
	case attrString:
		b = appendString(b, 4, a.s)
	case attrTensor:
		b = protowire.AppendTag(b, 5, protowire.BytesType)
		b = protowire.AppendBytes(b, a.t.marshal())
	case attrFloats:
		for _, f := range a.floats {
			b = protowire.AppendTag(b, 7, protowire.Fixed32Type)
			b = protowire.AppendFixed32(b, math.Float32bits(f))
		}
	case attrInts:
		for _, v := range a.ints {
			b = protowire.AppendTag(b, 8, protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(v))
		}
	}
	b = protowire.AppendTag(b, 20, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(a.typ))
	return b
}

type nodeProto struct {
	name    string
	op      string
	inputs  []string
	outputs []string
	attrs   []attribute
}

func (n *nodeProto) marshal() []byte {
	var b []byte
	for _, in := range n.inputs {
		b = appendString(b, 1, in)
	}
	for _, out := range n.outputs {
		b = appendString(b, 2, out)
	}
	b = appendString(b, 3, n.name)
	b = appendString(b, 4, n.op)
	for _, a := range n.attrs {
		b = protowire.AppendTag(b, 5, protowire.BytesType)
		b = protowire.AppendBytes(b, a.marshal())
	}
	return b
}

// valueInfo describes a graph input or output: a float tensor of fixed shape.
type valueInfo struct {
	name string
	dims []int64
}

func (v valueInfo) marshal() []byte {
	var shape []byte
	for _, d := range v.dims {
		var dim []byte
		dim = protowire.AppendTag(dim, 1, protowire.VarintType)
		dim = protowire.AppendVarint(dim, uint64(d))
		shape = protowire.AppendTag(shape, 1, protowire.BytesType)
		shape = protowire.AppendBytes(shape, dim)
	}
	var tensor []byte
	tensor = protowire.AppendTag(tensor, 1, protowire.VarintType)
	tensor = protowire.AppendVarint(tensor, onnxFloat)
	tensor = protowire.AppendTag(tensor, 2, protowire.BytesType)
	tensor = protowire.AppendBytes(tensor, shape)
	var typ []byte
	typ = protowire.AppendTag(typ, 1, protowire.BytesType)
	typ = protowire.AppendBytes(typ, tensor)
	var b []byte
	b = appendString(b, 1, v.name)
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	b = protowire.AppendBytes(b, typ)
	return b
}

type graphProto struct {
	name         string
	nodes        []*nodeProto
	initializers []*tensorProto
	inputs       []valueInfo
	outputs      []valueInfo
}

func (g *graphProto) marshal() []byte {
	var b []byte
	for _, n := range g.nodes {
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendBytes(b, n.marshal())
	}
	b = appendString(b, 2, g.name)
	for _, t := range g.initializers {
		b = protowire.AppendTag(b, 5, protowire.BytesType)
		b = protowire.AppendBytes(b, t.marshal())
	}
	for _, v := range g.inputs {
		b = protowire.AppendTag(b, 11, protowire.BytesType)
		b = protowire.AppendBytes(b, v.marshal())
	}
	for _, v := range g.outputs {
		b = protowire.AppendTag(b, 12, protowire.BytesType)
		b = protowire.AppendBytes(b, v.marshal())
	}
	return b
}

// ONNX IR version 8 with the default-domain opset 13: both are old enough
// for every ONNX Runtime of the last years and new enough for Resize and Pad
// with tensor inputs.
const (
	irVersion = 8
	opsetVer  = 13
)

type modelProto struct {
	producer string
	docs     string
	metadata [][2]string
	graph    *graphProto
}

func (m *modelProto) marshal() []byte {
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, irVersion)
	b = appendString(b, 2, m.producer)
	b = appendString(b, 6, m.docs)
	b = protowire.AppendTag(b, 7, protowire.BytesType)
	b = protowire.AppendBytes(b, m.graph.marshal())
	var opset []byte
	opset = appendString(opset, 1, "")
	opset = protowire.AppendTag(opset, 2, protowire.VarintType)
	opset = protowire.AppendVarint(opset, opsetVer)
	b = protowire.AppendTag(b, 8, protowire.BytesType)
	b = protowire.AppendBytes(b, opset)
	for _, kv := range m.metadata {
		var e []byte
		e = appendString(e, 1, kv[0])
		e = appendString(e, 2, kv[1])
		b = protowire.AppendTag(b, 14, protowire.BytesType)
		b = protowire.AppendBytes(b, e)
	}
	return b
}

func appendString(b []byte, num protowire.Number, s string) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}
