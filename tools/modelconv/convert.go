package main

import (
	"fmt"
	"sort"
	"strings"
)

// The converter lowers a TensorFlow.js graph (NHWC) to an ONNX graph that
// keeps activations in NCHW, ONNX Runtime's native layout for convolutions:
// the graph input is transposed once to NCHW, every layout-sensitive op
// (Reshape, outputs) transposes back. Shapes are tracked statically (batch 1)
// so that TensorFlow's SAME padding becomes explicit pads, exactly.

type value struct {
	name  string  // ONNX value name
	shape []int64 // logical shape in TensorFlow's NHWC order
	nchw  bool    // stored transposed to NCHW (rank-4 activations only)
	konst *constant
}

type converter struct {
	batch  int64
	nodes  map[string]*tfNode
	consts map[string]*constant
	vals   map[string]*value
	graph  *graphProto
	seq    int
}

// convertGraph converts the part of the graph that the requested outputs
// depend on. outputs maps a TensorFlow node name to the ONNX output name;
// batch replaces an open batch dimension.
func convertGraph(m *tfjsModel, consts map[string]*constant, inputName string, batch int64, outputs [][2]string) (*graphProto, error) {
	c := &converter{
		batch:  batch,
		nodes:  map[string]*tfNode{},
		consts: consts,
		vals:   map[string]*value{},
		graph:  &graphProto{name: "zhipai"},
	}
	for i := range m.Topology.Nodes {
		n := &m.Topology.Nodes[i]
		c.nodes[n.Name] = n
	}
	var order []*tfNode
	seen := map[string]bool{}
	var visit func(name string) error
	visit = func(name string) error {
		name = tensorName(name)
		if seen[name] {
			return nil
		}
		seen[name] = true
		n, ok := c.nodes[name]
		if !ok {
			return fmt.Errorf("node %q not in graph", name)
		}
		for _, in := range n.Input {
			if strings.HasPrefix(in, "^") {
				continue
			}
			if err := visit(in); err != nil {
				return err
			}
		}
		order = append(order, n)
		return nil
	}
	for _, o := range outputs {
		if err := visit(o[0]); err != nil {
			return nil, err
		}
	}
	for _, n := range order {
		if err := c.convert(n, inputName); err != nil {
			return nil, fmt.Errorf("node %s (%s): %w", n.Name, n.Op, err)
		}
	}
	for _, o := range outputs {
		v := c.vals[tensorName(o[0])]
		if v.nchw {
			v = c.toNHWC(v)
		}
		c.add("Identity", []string{v.name}, o[1])
		c.graph.outputs = append(c.graph.outputs, valueInfo{name: o[1], dims: v.shape})
	}
	return c.graph, nil
}

func tensorName(s string) string {
	s = strings.TrimPrefix(s, "^")
	if i := strings.LastIndex(s, ":"); i >= 0 {
		s = s[:i]
	}
	return s
}

func (c *converter) fresh(hint string) string {
	c.seq++
	return fmt.Sprintf("%s_%d", hint, c.seq)
}

// add appends a node with one output and returns the output's name.
func (c *converter) add(op string, inputs []string, out string, attrs ...attribute) string {
	if out == "" {
		out = c.fresh(strings.ToLower(op))
	}
	c.graph.nodes = append(c.graph.nodes, &nodeProto{name: out, op: op, inputs: inputs, outputs: []string{out}, attrs: attrs})
	return out
}

func (c *converter) initializer(t *tensorProto) string {
	c.graph.initializers = append(c.graph.initializers, t)
	return t.name
}

func (c *converter) input(n *tfNode, i int) (*value, error) {
	if i >= len(n.Input) {
		return nil, fmt.Errorf("input %d missing", i)
	}
	name := tensorName(n.Input[i])
	v, ok := c.vals[name]
	if !ok {
		return nil, fmt.Errorf("input %q not converted", name)
	}
	return v, nil
}

func (c *converter) constInput(n *tfNode, i int) (*constant, error) {
	v, err := c.input(n, i)
	if err != nil {
		return nil, err
	}
	if v.konst == nil {
		return nil, fmt.Errorf("input %d must be a constant", i)
	}
	return v.konst, nil
}

func (c *converter) toNHWC(v *value) *value {
	name := c.add("Transpose", []string{v.name}, "", intsAttr("perm", 0, 2, 3, 1))
	return &value{name: name, shape: v.shape}
}

func (c *converter) convert(n *tfNode, inputName string) error {
	switch n.Op {
	case "Placeholder":
		var dims []int64
		for _, d := range n.Attr["shape"].Shape.Dim {
			var s int64
			fmt.Sscan(d.Size, &s)
			if s < 0 {
				s = c.batch
			}
			dims = append(dims, s)
		}
		c.graph.inputs = append(c.graph.inputs, valueInfo{name: inputName, dims: dims})
		if len(dims) != 4 {
			c.vals[n.Name] = &value{name: inputName, shape: dims}
			return nil
		}
		name := c.add("Transpose", []string{inputName}, "", intsAttr("perm", 0, 3, 1, 2))
		c.vals[n.Name] = &value{name: name, shape: dims, nchw: true}
		return nil
	case "Const":
		k, ok := c.consts[n.Name]
		if !ok {
			return fmt.Errorf("constant has no weights")
		}
		c.vals[n.Name] = &value{shape: k.shape, konst: k}
		return nil
	case "Identity":
		v, err := c.input(n, 0)
		if err != nil {
			return err
		}
		c.vals[n.Name] = v
		return nil
	case "Conv2D", "_FusedConv2D", "DepthwiseConv2dNative", "FusedDepthwiseConv2dNative":
		return c.conv(n)
	case "Conv2DBackpropInput":
		return c.convTranspose(n)
	case "Add", "AddV2", "Mul", "Sub", "BiasAdd", "Minimum", "Maximum":
		return c.binary(n)
	case "Mean":
		return c.mean(n)
	case "AddN":
		var ins []string
		var shape []int64
		for i := range n.Input {
			v, err := c.input(n, i)
			if err != nil {
				return err
			}
			if !v.nchw {
				return fmt.Errorf("AddN of non-activation inputs")
			}
			ins, shape = append(ins, v.name), v.shape
		}
		c.vals[n.Name] = &value{name: c.add("Sum", ins, ""), shape: shape, nchw: true}
		return nil
	case "Relu", "Sigmoid", "Relu6":
		v, err := c.input(n, 0)
		if err != nil {
			return err
		}
		c.vals[n.Name] = &value{name: c.activation(n.Op, v.name, nil), shape: v.shape, nchw: v.nchw}
		return nil
	case "Prelu":
		v, err := c.input(n, 0)
		if err != nil {
			return err
		}
		alpha, err := c.constInput(n, 1)
		if err != nil {
			return err
		}
		c.vals[n.Name] = &value{name: c.activation("Prelu", v.name, alpha), shape: v.shape, nchw: v.nchw}
		return nil
	case "MaxPool", "AvgPool":
		return c.pool(n)
	case "Pad":
		return c.pad(n)
	case "ResizeBilinear":
		return c.resize(n)
	case "Reshape":
		return c.reshape(n)
	case "ConcatV2":
		return c.concat(n)
	}
	return fmt.Errorf("unsupported op")
}

// activation appends an activation; alpha is PReLU's slope.
func (c *converter) activation(op, in string, alpha *constant) string {
	switch op {
	case "Relu":
		return c.add("Relu", []string{in}, "")
	case "Sigmoid":
		return c.add("Sigmoid", []string{in}, "")
	case "Relu6":
		lo := c.initializer(floatTensor(c.fresh("clip_min"), nil, []float32{0}))
		hi := c.initializer(floatTensor(c.fresh("clip_max"), nil, []float32{6}))
		return c.add("Clip", []string{in, lo, hi}, "")
	case "Prelu":
		// TensorFlow's slope is [..., C] (broadcast over H, W); ONNX wants
		// [C, 1, 1] for an NCHW input.
		ch := alpha.shape[len(alpha.shape)-1]
		slope := c.initializer(floatTensor(c.fresh("prelu_slope"), []int64{ch, 1, 1}, alpha.floats))
		return c.add("PRelu", []string{in, slope}, "")
	}
	panic("unknown activation " + op)
}

// samePads returns TensorFlow's SAME padding for one spatial axis: the
// output is ceil(in/stride) and any odd padding goes to the end.
func samePads(in, k, stride, dilation int64) (begin, end, out int64) {
	out = (in + stride - 1) / stride
	total := (out-1)*stride + (k-1)*dilation + 1 - in
	if total < 0 {
		total = 0
	}
	return total / 2, total - total/2, out
}

// spatial works out pads and output size of a window op from its attrs.
func spatial(n *tfNode, in []int64, kh, kw int64) (pads []int64, strides []int64, dil []int64, oh, ow int64, err error) {
	st := n.Attr["strides"].ints()
	if len(st) != 4 {
		st = []int64{1, 1, 1, 1}
	}
	dl := n.Attr["dilations"].ints()
	if len(dl) != 4 {
		dl = []int64{1, 1, 1, 1}
	}
	if df := n.Attr["data_format"].str(); df != "" && df != "NHWC" {
		return nil, nil, nil, 0, 0, fmt.Errorf("data format %s", df)
	}
	switch p := n.Attr["padding"].str(); p {
	case "SAME":
		t, b, h := samePads(in[1], kh, st[1], dl[1])
		l, r, w := samePads(in[2], kw, st[2], dl[2])
		pads, oh, ow = []int64{t, l, b, r}, h, w
	case "VALID":
		pads = []int64{0, 0, 0, 0}
		oh = (in[1]-(kh-1)*dl[1]-1)/st[1] + 1
		ow = (in[2]-(kw-1)*dl[2]-1)/st[2] + 1
	case "EXPLICIT":
		e := n.Attr["explicit_paddings"].ints()
		if len(e) != 8 {
			return nil, nil, nil, 0, 0, fmt.Errorf("explicit paddings %v", e)
		}
		pads = []int64{e[2], e[4], e[3], e[5]}
		oh = (in[1]+e[2]+e[3]-(kh-1)*dl[1]-1)/st[1] + 1
		ow = (in[2]+e[4]+e[5]-(kw-1)*dl[2]-1)/st[2] + 1
	default:
		return nil, nil, nil, 0, 0, fmt.Errorf("padding %q", p)
	}
	return pads, []int64{st[1], st[2]}, []int64{dl[1], dl[2]}, oh, ow, nil
}

func (c *converter) conv(n *tfNode) error {
	x, err := c.input(n, 0)
	if err != nil {
		return err
	}
	f, err := c.constInput(n, 1)
	if err != nil {
		return err
	}
	if !x.nchw || len(f.shape) != 4 {
		return fmt.Errorf("convolution needs a 4-D activation and filter")
	}
	kh, kw, cin, cout := f.shape[0], f.shape[1], f.shape[2], f.shape[3]
	depthwise := strings.Contains(n.Op, "Depthwise")
	var w *tensorProto
	group := int64(1)
	if depthwise {
		// [kh, kw, C, mult] -> [C*mult, 1, kh, kw]; output channel c*mult+m
		// is what ONNX's grouped convolution produces for group c.
		mult := cout
		vals := make([]float32, len(f.floats))
		for y := int64(0); y < kh; y++ {
			for xx := int64(0); xx < kw; xx++ {
				for ch := int64(0); ch < cin; ch++ {
					for m := int64(0); m < mult; m++ {
						src := ((y*kw+xx)*cin+ch)*mult + m
						dst := ((ch*mult+m)*kh+y)*kw + xx
						vals[dst] = f.floats[src]
					}
				}
			}
		}
		w = floatTensor(c.fresh("dw_weight"), []int64{cin * mult, 1, kh, kw}, vals)
		group, cout = cin, cin*mult
	} else {
		if cin != x.shape[3] {
			return fmt.Errorf("filter expects %d channels, input has %d", cin, x.shape[3])
		}
		vals := make([]float32, len(f.floats))
		for y := int64(0); y < kh; y++ {
			for xx := int64(0); xx < kw; xx++ {
				for ci := int64(0); ci < cin; ci++ {
					for co := int64(0); co < cout; co++ {
						src := ((y*kw+xx)*cin+ci)*cout + co
						dst := ((co*cin+ci)*kh+y)*kw + xx
						vals[dst] = f.floats[src]
					}
				}
			}
		}
		w = floatTensor(c.fresh("weight"), []int64{cout, cin, kh, kw}, vals)
	}
	pads, strides, dil, oh, ow, err := spatial(n, x.shape, kh, kw)
	if err != nil {
		return err
	}
	inputs := []string{x.name, c.initializer(w)}
	fused := n.Attr["fused_ops"].strs()
	next := 2
	var act string
	var alpha *constant
	for _, op := range fused {
		switch op {
		case "BiasAdd":
			b, err := c.constInput(n, next)
			if err != nil {
				return err
			}
			next++
			inputs = append(inputs, c.initializer(floatTensor(c.fresh("bias"), []int64{cout}, b.floats)))
		case "Relu", "Relu6", "Sigmoid":
			act = op
		case "Prelu":
			act = "Prelu"
			if alpha, err = c.constInput(n, next); err != nil {
				return err
			}
			next++
		default:
			return fmt.Errorf("fused op %s", op)
		}
	}
	out := c.add("Conv", inputs, "",
		intsAttr("kernel_shape", kh, kw),
		intsAttr("strides", strides...),
		intsAttr("dilations", dil...),
		intsAttr("pads", pads...),
		intAttr("group", group))
	if act != "" {
		out = c.activation(act, out, alpha)
	}
	c.vals[n.Name] = &value{name: out, shape: []int64{x.shape[0], oh, ow, cout}, nchw: true}
	return nil
}

func (c *converter) convTranspose(n *tfNode) error {
	size, err := c.constInput(n, 0)
	if err != nil {
		return err
	}
	f, err := c.constInput(n, 1)
	if err != nil {
		return err
	}
	x, err := c.input(n, 2)
	if err != nil {
		return err
	}
	if !x.nchw || len(f.shape) != 4 || len(size.ints) != 4 {
		return fmt.Errorf("transposed convolution needs 4-D shapes")
	}
	kh, kw, oc, ic := f.shape[0], f.shape[1], f.shape[2], f.shape[3]
	// TensorFlow [kh, kw, out, in] -> ONNX [in, out, kh, kw].
	vals := make([]float32, len(f.floats))
	for y := int64(0); y < kh; y++ {
		for xx := int64(0); xx < kw; xx++ {
			for o := int64(0); o < oc; o++ {
				for i := int64(0); i < ic; i++ {
					src := ((y*kw+xx)*oc+o)*ic + i
					dst := ((i*oc+o)*kh+y)*kw + xx
					vals[dst] = f.floats[src]
				}
			}
		}
	}
	st := n.Attr["strides"].ints()
	oh, ow := int64(size.ints[1]), int64(size.ints[2])
	// The transposed convolution undoes a forward convolution from
	// (oh, ow) to the input size: it pads as that convolution did.
	var pads []int64
	switch p := n.Attr["padding"].str(); p {
	case "SAME":
		t, b, _ := samePads(oh, kh, st[1], 1)
		l, r, _ := samePads(ow, kw, st[2], 1)
		pads = []int64{t, l, b, r}
	case "VALID":
		pads = []int64{0, 0, 0, 0}
	default:
		return fmt.Errorf("padding %q", p)
	}
	extraH := oh - (st[1]*(x.shape[1]-1) + kh - pads[0] - pads[2])
	extraW := ow - (st[2]*(x.shape[2]-1) + kw - pads[1] - pads[3])
	if extraH < 0 || extraW < 0 {
		return fmt.Errorf("output size %dx%d unreachable", oh, ow)
	}
	out := c.add("ConvTranspose", []string{x.name, c.initializer(floatTensor(c.fresh("weight"), []int64{ic, oc, kh, kw}, vals))}, "",
		intsAttr("kernel_shape", kh, kw),
		intsAttr("strides", st[1], st[2]),
		intsAttr("pads", pads...),
		intsAttr("output_padding", extraH, extraW))
	c.vals[n.Name] = &value{name: out, shape: []int64{x.shape[0], oh, ow, oc}, nchw: true}
	return nil
}

// broadcastConst turns a constant operand of an element-wise op on an NCHW
// activation into an initializer that broadcasts the same way TensorFlow's
// NHWC one did.
func (c *converter) broadcastConst(k *constant) (string, error) {
	if k.floats == nil {
		return "", fmt.Errorf("integer operand")
	}
	switch {
	case k.size() == 1:
		return c.initializer(floatTensor(c.fresh("scalar"), nil, k.floats[:1])), nil
	case len(k.shape) == 4 && (k.shape[1] != 1 || k.shape[2] != 1):
		return "", fmt.Errorf("spatially varying constant %v", k.shape)
	case len(k.shape) >= 1:
		ch := k.shape[len(k.shape)-1]
		if ch != k.size() {
			return "", fmt.Errorf("constant %v does not broadcast over channels", k.shape)
		}
		return c.initializer(floatTensor(c.fresh("channel_const"), []int64{ch, 1, 1}, k.floats)), nil
	}
	return "", fmt.Errorf("constant of shape %v", k.shape)
}

func (c *converter) binary(n *tfNode) error {
	a, err := c.input(n, 0)
	if err != nil {
		return err
	}
	b, err := c.input(n, 1)
	if err != nil {
		return err
	}
	op := map[string]string{"Add": "Add", "AddV2": "Add", "BiasAdd": "Add", "Mul": "Mul", "Sub": "Sub", "Minimum": "Min", "Maximum": "Max"}[n.Op]
	operand := func(v *value) (string, error) {
		if v.konst != nil {
			return c.broadcastConst(v.konst)
		}
		return v.name, nil
	}
	if a.konst != nil && b.konst != nil {
		return fmt.Errorf("constant folding not supported")
	}
	shape, layout := a.shape, a.nchw
	if a.konst != nil {
		shape, layout = b.shape, b.nchw
	}
	if !layout {
		return fmt.Errorf("element-wise op on a non-activation")
	}
	x, err := operand(a)
	if err != nil {
		return err
	}
	y, err := operand(b)
	if err != nil {
		return err
	}
	c.vals[n.Name] = &value{name: c.add(op, []string{x, y}, ""), shape: shape, nchw: true}
	return nil
}

// mean converts a spatial mean (global average pooling): TensorFlow's
// axes 1 and 2 of NHWC are ONNX's 2 and 3 of NCHW. Without keep_dims the
// result is [N, C].
func (c *converter) mean(n *tfNode) error {
	x, err := c.input(n, 0)
	if err != nil {
		return err
	}
	axes, err := c.constInput(n, 1)
	if err != nil {
		return err
	}
	if !x.nchw || len(axes.ints) != 2 || axes.ints[0] != 1 || axes.ints[1] != 2 {
		return fmt.Errorf("only the spatial mean of a 4-D activation is supported")
	}
	keep := n.Attr["keep_dims"].B
	out := c.add("ReduceMean", []string{x.name}, "", intsAttr("axes", 2, 3), intAttr("keepdims", map[bool]int64{true: 1, false: 0}[keep]))
	if keep {
		c.vals[n.Name] = &value{name: out, shape: []int64{x.shape[0], 1, 1, x.shape[3]}, nchw: true}
	} else {
		c.vals[n.Name] = &value{name: out, shape: []int64{x.shape[0], x.shape[3]}}
	}
	return nil
}

func (c *converter) pool(n *tfNode) error {
	x, err := c.input(n, 0)
	if err != nil {
		return err
	}
	k := n.Attr["ksize"].ints()
	if !x.nchw || len(k) != 4 {
		return fmt.Errorf("pooling needs a 4-D activation")
	}
	pads, strides, _, oh, ow, err := spatial(n, x.shape, k[1], k[2])
	if err != nil {
		return err
	}
	attrs := []attribute{intsAttr("kernel_shape", k[1], k[2]), intsAttr("strides", strides...), intsAttr("pads", pads...)}
	op := "MaxPool"
	if n.Op == "AvgPool" {
		// TensorFlow averages over the valid part of the window only.
		op = "AveragePool"
		attrs = append(attrs, intAttr("count_include_pad", 0))
	}
	c.vals[n.Name] = &value{name: c.add(op, []string{x.name}, "", attrs...), shape: []int64{x.shape[0], oh, ow, x.shape[3]}, nchw: true}
	return nil
}

func (c *converter) pad(n *tfNode) error {
	x, err := c.input(n, 0)
	if err != nil {
		return err
	}
	p, err := c.constInput(n, 1)
	if err != nil {
		return err
	}
	if !x.nchw || len(p.ints) != 8 {
		return fmt.Errorf("pad needs a 4-D activation")
	}
	// NHWC pairs (before, after) -> ONNX [begins in NCHW order, ends in NCHW order].
	nchw := []int{0, 3, 1, 2}
	pads := make([]int64, 8)
	shape := append([]int64(nil), x.shape...)
	for i, axis := range nchw {
		pads[i] = int64(p.ints[2*axis])
		pads[4+i] = int64(p.ints[2*axis+1])
		shape[axis] += pads[i] + pads[4+i]
	}
	pt := c.initializer(int64Tensor(c.fresh("pads"), []int64{8}, pads))
	c.vals[n.Name] = &value{name: c.add("Pad", []string{x.name, pt}, "", stringAttr("mode", "constant")), shape: shape, nchw: true}
	return nil
}

func (c *converter) resize(n *tfNode) error {
	x, err := c.input(n, 0)
	if err != nil {
		return err
	}
	size, err := c.constInput(n, 1)
	if err != nil {
		return err
	}
	if !x.nchw || len(size.ints) != 2 {
		return fmt.Errorf("resize needs a 4-D activation")
	}
	mode := "asymmetric"
	switch {
	case n.Attr["half_pixel_centers"].B:
		mode = "half_pixel"
	case n.Attr["align_corners"].B:
		mode = "align_corners"
	}
	h, w := int64(size.ints[0]), int64(size.ints[1])
	sizes := c.initializer(int64Tensor(c.fresh("sizes"), []int64{4}, []int64{x.shape[0], x.shape[3], h, w}))
	out := c.add("Resize", []string{x.name, "", "", sizes}, "",
		stringAttr("mode", "linear"), stringAttr("coordinate_transformation_mode", mode))
	c.vals[n.Name] = &value{name: out, shape: []int64{x.shape[0], h, w, x.shape[3]}, nchw: true}
	return nil
}

func (c *converter) reshape(n *tfNode) error {
	x, err := c.input(n, 0)
	if err != nil {
		return err
	}
	s, err := c.constInput(n, 1)
	if err != nil {
		return err
	}
	if x.nchw {
		x = c.toNHWC(x)
	}
	dims := make([]int64, len(s.ints))
	known, unknown := int64(1), -1
	for i, d := range s.ints {
		dims[i] = int64(d)
		if d < 0 {
			unknown = i
		} else {
			known *= int64(d)
		}
	}
	out := append([]int64(nil), dims...)
	if unknown >= 0 {
		out[unknown] = product(x.shape) / known
	}
	st := c.initializer(int64Tensor(c.fresh("shape"), []int64{int64(len(dims))}, dims))
	c.vals[n.Name] = &value{name: c.add("Reshape", []string{x.name, st}, ""), shape: out}
	return nil
}

func (c *converter) concat(n *tfNode) error {
	axisK, err := c.constInput(n, len(n.Input)-1)
	if err != nil {
		return err
	}
	var ins []*value
	for i := 0; i < len(n.Input)-1; i++ {
		v, err := c.input(n, i)
		if err != nil {
			return err
		}
		ins = append(ins, v)
	}
	rank := int64(len(ins[0].shape))
	axis := int64(axisK.ints[0])
	if axis < 0 {
		axis += rank
	}
	shape := append([]int64(nil), ins[0].shape...)
	shape[axis] = 0
	var names []string
	for _, v := range ins {
		if v.nchw != ins[0].nchw {
			return fmt.Errorf("mixed layouts")
		}
		shape[axis] += v.shape[axis]
		names = append(names, v.name)
	}
	onnxAxis := axis
	if ins[0].nchw {
		onnxAxis = map[int64]int64{0: 0, 1: 2, 2: 3, 3: 1}[axis]
	}
	out := c.add("Concat", names, "", intAttr("axis", onnxAxis))
	c.vals[n.Name] = &value{name: out, shape: shape, nchw: ins[0].nchw}
	return nil
}

// sortedKeys is a helper for deterministic iteration.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
